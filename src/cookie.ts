// The flm_api_token cookie: the token alone, first-party, SameSite=Lax, Secure
// on https. js-cookie handles encoding and attributes; we guard every access,
// since a sandboxed frame or blocked site data makes document.cookie throw.
import Cookies from 'js-cookie';
import type { Options } from './options';

export const COOKIE_NAME = 'flm_api_token';

/** The init options that shape the cookie. */
export type CookieSettings = Partial<Pick<Options, 'cookieDomain'>> & Pick<Options, 'cookieDays'>;

export function readToken(): string | undefined {
  try {
    return Cookies.get(COOKIE_NAME) || undefined;
  } catch {
    return undefined;
  }
}

export function writeToken(token: string, settings: CookieSettings): void {
  // The API's answer, not ours: a token that is not a short plain string stays
  // out of the cookie (which must hold the token alone, well under 200 bytes).
  if (typeof token !== 'string' || !/^[\w.~-]{1,128}$/.test(token)) return;
  try {
    Cookies.set(COOKIE_NAME, token, {
      expires: settings.cookieDays,
      path: '/',
      domain: settings.cookieDomain,
      sameSite: 'Lax',
      secure: typeof location !== 'undefined' && location.protocol === 'https:',
    });
  } catch {
    // Cookies blocked: this page still knows the token in memory.
  }
}

export function removeToken(settings: CookieSettings): void {
  try {
    Cookies.remove(COOKIE_NAME, { path: '/', domain: settings.cookieDomain });
    // One written before cookieDomain was set lives on the page's host.
    if (settings.cookieDomain) Cookies.remove(COOKIE_NAME, { path: '/' });
  } catch {
    // As above.
  }
}
