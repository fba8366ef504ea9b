// @vitest-environment jsdom
import Cookies from 'js-cookie';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { COOKIE_NAME, readToken, removeToken, writeToken } from '../src/cookie';
import { resetPage } from './support/fakes';

beforeEach(resetPage);
afterEach(resetPage);

describe('the token cookie', () => {
  it('is named flm_api_token and holds the token alone', () => {
    expect(COOKIE_NAME).toBe('flm_api_token');
    writeToken('tok-1', { cookieDays: 395 });
    expect(document.cookie).toBe('flm_api_token=tok-1');
    expect(readToken()).toBe('tok-1');
  });

  it('is written SameSite=Lax, for the whole site, for the days asked, not Secure on an http page', () => {
    const set = vi.spyOn(Cookies, 'set');
    writeToken('tok', { cookieDays: 30, cookieDomain: 'example.com' });
    expect(set).toHaveBeenCalledWith('flm_api_token', 'tok', { expires: 30, path: '/', domain: 'example.com', sameSite: 'Lax', secure: false });
  });

  it('keeps out a token that is not a short plain string, so the cookie stays small', () => {
    writeToken('x'.repeat(129), { cookieDays: 1 });
    writeToken('a b;c', { cookieDays: 1 });
    expect(document.cookie).toBe('');
    writeToken('x'.repeat(128), { cookieDays: 1 });
    expect(document.cookie.length).toBeLessThan(200);
  });

  it('reads as undefined when absent or empty', () => {
    expect(readToken()).toBeUndefined();
    document.cookie = 'flm_api_token=; path=/';
    expect(readToken()).toBeUndefined();
  });

  it('is removed', () => {
    writeToken('tok', { cookieDays: 1 });
    removeToken({ cookieDays: 1 });
    expect(readToken()).toBeUndefined();
    expect(document.cookie).toBe('');
  });

  it('never throws when cookies are blocked', () => {
    vi.spyOn(Cookies, 'get').mockImplementation(() => {
      throw new DOMException('blocked', 'SecurityError');
    });
    vi.spyOn(Cookies, 'set').mockImplementation(() => {
      throw new DOMException('blocked', 'SecurityError');
    });
    vi.spyOn(Cookies, 'remove').mockImplementation(() => {
      throw new DOMException('blocked', 'SecurityError');
    });
    expect(readToken()).toBeUndefined();
    expect(() => writeToken('tok', { cookieDays: 1 })).not.toThrow();
    expect(() => removeToken({ cookieDays: 1, cookieDomain: 'example.com' })).not.toThrow();
  });
});
