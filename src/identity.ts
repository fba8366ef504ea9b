// Who a command without an identity speaks for: the audience this page
// registered last (waiting while that registration is in flight), else the
// flm_api_token cookie, else no one.
import type { Identity } from './schemas';

export type Resolution = { identity: Identity } | { after: string } | undefined;

export interface IdentityBook {
  current(): Resolution;
  /** The page's token or the cookie's, never a registration in flight. */
  known(): { identity: Identity } | undefined;
  registering(messageId: string): void;
  registered(messageId: string, token: string | undefined): void;
  forget(): void;
}

export function createIdentityBook(cookieToken: () => string | undefined): IdentityBook {
  let pending: string | undefined;
  let token: string | undefined;
  const book: IdentityBook = {
    current: () => (pending ? { after: pending } : book.known()),
    known() {
      const found = token || cookieToken();
      return found ? { identity: { flm_api_token: found } } : undefined;
    },
    registering(messageId) {
      pending = messageId;
    },
    registered(messageId, given) {
      if (given) token = given;
      if (pending === messageId) pending = undefined;
    },
    forget() {
      pending = token = undefined;
    },
  };
  return book;
}
