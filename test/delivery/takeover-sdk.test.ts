// @vitest-environment jsdom
// What a page takes over from pages now gone, seen through the whole SDK.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMessage } from '../../src/message';
import type { Message } from '../../src/protocol';
import { createSdk, scope } from '../../src/sdk';
import { fakeClock, FakeTransport, flamefyKeys, resetPage, spyErrors } from '../support/fakes';

const API = 'https://api.flamefy.example';
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  resetPage();
  spyErrors();
});
afterEach(() => {
  vi.useRealTimers();
  resetPage();
});

describe('the takeover, through the SDK', () => {
  // A gone page registered someone, then captured a tag waiting for that
  // registration; its clock had stepped back in between (an NTP correction), so
  // the tag's ts is earlier than the registration's. Sorted by ts alone, the
  // waiter came first, and nothing is sent from behind a waiting message.
  it('delivers a registration and its waiter taken over from a gone page, whatever their clock said', async () => {
    const reg: Message = createMessage(
      { type: 'audience.register', attributes: { first_name: 'A', last_name: 'B', email: 'a@b.co' }, write_mode: 'overwrite' } as never,
      1,
      T0 - 60_000,
    );
    // Captured after the registration (seq 2), but the clock had stepped back 2 s.
    const tag = createMessage({ type: 'tag.add', tag: 'vip' } as never, 2, T0 - 62_000);
    delete (tag as { identity?: unknown }).identity;
    const prefix = `flm1:${scope(API)}:deadpage:`;
    localStorage.setItem(prefix + reg.id, JSON.stringify({ m: reg }));
    localStorage.setItem(prefix + tag.id, JSON.stringify({ a: reg.id, m: tag }));

    const transport = new FakeTransport();
    const sdk = createSdk({ transport, clock: fakeClock, random: () => 0.5, watchPage: false });
    sdk.run('init', [{ apiUrl: API }]);
    await vi.advanceTimersByTimeAsync(1_000);
    // This page's own message, captured after the takeover, is stuck behind it as well.
    sdk.run('tag.add', ['own', { flm_api_token: 'tok' }]).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.messages.map((m) => m.type)).toEqual(['audience.register', 'tag.add', 'tag.add']);
  });

  // The page's own registration is in flight (pinned) and the cap is 1: a
  // waiter taken over is pushed out at once, and must not come back in storage.
  it('a taken-over message the cap pushed out is not written back to storage', async () => {
    document.cookie = 'flm_api_token=cookie-token; path=/';
    const tag: Message = createMessage({ type: 'tag.add', tag: 'left' } as never, 2, T0 - 60_000);
    delete (tag as { identity?: unknown }).identity;
    // Its registration is no longer stored (answered on that page before it went).
    localStorage.setItem(`flm1:${scope(API)}:deadpage:${tag.id}`, JSON.stringify({ a: 'gone-registration', m: tag }));

    const transport = new FakeTransport(() => new Promise(() => undefined)); // nothing is answered
    const sdk = createSdk({ transport, clock: fakeClock, random: () => 0.5, watchPage: false });
    sdk.run('init', [{ apiUrl: API, outboxMaxMessages: 1 }]);
    sdk.run('audience.register', [{ first_name: 'A', last_name: 'B', email: 'a@b.co' }]).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(5_000);

    const keys = flamefyKeys().filter((k) => !k.startsWith('flm1hb'));
    const stored = keys.map((k) => (JSON.parse(localStorage.getItem(k)!) as { m: Message }).m.type);
    // The outbox holds one message (the cap): storage holds no more than that.
    expect(stored, 'stored messages').toHaveLength(1);
  });
});
