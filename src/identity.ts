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
  /**
   * A registration captured at capturedAt (ISO-8601) was answered. Its token
   * becomes the page's unless a later registration's already is: one that an
   * earlier page left, resent now, must not take over from this page's own.
   * True when it did become the page's.
   */
  registered(messageId: string, token: string | undefined, capturedAt: string): boolean;
  forget(): void;
}

export function createIdentityBook(cookieToken: () => string | undefined): IdentityBook {
  let pending: string | undefined;
  let token: string | undefined;
  let tokenCapturedAt = '';
  const book: IdentityBook = {
    current: () => (pending ? { after: pending } : book.known()),
    known() {
      const found = token || cookieToken();
      return found ? { identity: { flm_api_token: found } } : undefined;
    },
    registering(messageId) {
      pending = messageId;
    },
    registered(messageId, given, capturedAt) {
      if (pending === messageId) pending = undefined;
      if (!given || capturedAt < tokenCapturedAt) return false;
      token = given;
      tokenCapturedAt = capturedAt;
      return true;
    },
    forget() {
      pending = token = undefined;
      tokenCapturedAt = '';
    },
  };
  return book;
}
