// Who a command without an identity speaks for: the audience this page
// registered last (waiting while that registration is in flight), else the
// flm_api_token cookie, else no one.
import type { Identity } from './schemas';

export type Resolution = { identity: Identity } | { after: string } | undefined;

export class IdentityBook {
  private pending: string | undefined;
  private token: string | undefined;

  constructor(private readonly cookieToken: () => string | undefined) {}

  current(): Resolution {
    if (this.pending) return { after: this.pending };
    return this.known();
  }

  /** The page's token or the cookie's, never a registration in flight. */
  known(): { identity: Identity } | undefined {
    const token = this.token ?? this.cookieToken();
    return token ? { identity: { flm_api_token: token } } : undefined;
  }

  registering(messageId: string): void {
    this.pending = messageId;
  }

  registered(messageId: string, token: string | undefined): void {
    if (token) this.token = token;
    if (this.pending === messageId) this.pending = undefined;
  }

  forget(): void {
    this.pending = undefined;
    this.token = undefined;
  }
}
