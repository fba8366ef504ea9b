// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { createIdentityBook } from '../src/identity';

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
    book.registered('reg-1', 'page-token');
    expect(book.current()).toEqual({ identity: { flm_api_token: 'page-token' } });
  });

  it('waits for the latest registration, not an earlier one answered after it', () => {
    const book = createIdentityBook(() => undefined);
    book.registering('reg-1');
    book.registering('reg-2');
    book.registered('reg-1', 'first');
    expect(book.current()).toEqual({ after: 'reg-2' });
    book.registered('reg-2', 'second');
    expect(book.current()).toEqual({ identity: { flm_api_token: 'second' } });
  });

  it('falls back to what it knew when a registration gets no token', () => {
    const book = createIdentityBook(() => 'cookie');
    book.registering('reg-1');
    book.registered('reg-1', undefined);
    expect(book.current()).toEqual({ identity: { flm_api_token: 'cookie' } });
  });

  it('forgets the page token and any registration in flight', () => {
    const book = createIdentityBook(() => undefined);
    book.registering('reg-1');
    book.registered('reg-1', 'tok');
    book.registering('reg-2');
    book.forget();
    expect(book.current()).toBeUndefined();
  });
});
