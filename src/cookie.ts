// The flm_api_token cookie: the token alone, first-party, SameSite=Lax, Secure
// on https. js-cookie handles encoding and attributes; we guard every access,
// since a sandboxed frame or blocked site data makes document.cookie throw.
import Cookies from 'js-cookie';

export const COOKIE_NAME = 'flm_api_token';

export interface CookieSettings {
  domain?: string;
  days: number;
}

export function readToken(): string | undefined {
  try {
    return Cookies.get(COOKIE_NAME) || undefined;
  } catch {
    return undefined;
  }
}

export function writeToken(token: string, settings: CookieSettings): void {
  try {
    Cookies.set(COOKIE_NAME, token, {
      expires: settings.days,
      path: '/',
      domain: settings.domain,
      sameSite: 'Lax',
      secure: typeof location !== 'undefined' && location.protocol === 'https:',
    });
  } catch {
    // Cookies blocked: this page still knows the token in memory.
  }
}

export function removeToken(settings: CookieSettings): void {
  try {
    Cookies.remove(COOKIE_NAME, { path: '/', domain: settings.domain });
    if (settings.domain) Cookies.remove(COOKIE_NAME, { path: '/' });
  } catch {
    // As above.
  }
}
