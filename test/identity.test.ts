// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { createIdentityBook } from '../src/identity';

const T1 = '2026-12-04T10:00:00.000Z';
const T2 = '2026-12-04T10:00:01.000Z';

describe('IdentityBook', () => {
  it('has no one to speak for without a registration or a cookie', () => {
    expect(createIdentityBook(() => undefined).current()).toBeUndefined();
  });

  it('speaks for the cookie token', () => {
    expect(createIdentityBook(() => 'cookie').current()).toEqual({ identity: { flm_api_token: 'cookie' } });
  });

  it('reads the cookie each time, so a token set later counts', () => {
    let cookie: string | undefined;
    const book = createIdentityBook(() => cookie);
    expect(book.current()).toBeUndefined();
    cookie = 'later';
    expect(book.current()).toEqual({ identity: { flm_api_token: 'later' } });
  });

  it('waits for a registration in flight, and then speaks for its token over the cookie', () => {
    const book = createIdentityBook(() => 'cookie');
    book.registering('reg-1');
    expect(book.current()).toEqual({ after: 'reg-1' });
    expect(book.known()).toEqual({ identity: { flm_api_token: 'cookie' } });
    book.registered('reg-1', 'page-token', T1);
    expect(book.current()).toEqual({ identity: { flm_api_token: 'page-token' } });
  });

  it('waits for the latest registration, not an earlier one answered after it', () => {
    const book = createIdentityBook(() => undefined);
    book.registering('reg-1');
    book.registering('reg-2');
    book.registered('reg-1', 'first', T1);
    expect(book.current()).toEqual({ after: 'reg-2' });
    book.registered('reg-2', 'second', T2);
    expect(book.current()).toEqual({ identity: { flm_api_token: 'second' } });
  });

  it('keeps the token of a later registration over that of an earlier one answered after it', () => {
    // An earlier page's registration, resent by this page, is answered last.
    const book = createIdentityBook(() => undefined);
    book.registering('own');
    expect(book.registered('own', 'own-token', T2)).toBe(true);
    expect(book.registered('left-by-earlier-page', 'old-token', T1)).toBe(false);
    expect(book.current()).toEqual({ identity: { flm_api_token: 'own-token' } });
  });

  it('falls back to what it knew when a registration gets no token', () => {
    const book = createIdentityBook(() => 'cookie');
    book.registering('reg-1');
    book.registered('reg-1', undefined, T1);
    expect(book.current()).toEqual({ identity: { flm_api_token: 'cookie' } });
  });

  it('forgets the page token and any registration in flight', () => {
    const book = createIdentityBook(() => undefined);
    book.registering('reg-1');
    book.registered('reg-1', 'tok', T1);
    book.registering('reg-2');
    book.forget();
    expect(book.current()).toBeUndefined();
  });
});
