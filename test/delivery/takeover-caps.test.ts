// @vitest-environment jsdom
// The page's own registration is in flight (pinned), the cap is 1: a waiter
// taken over from a gone page is pushed out at once (dropped), then takeOver's
// caller gives it an identity anyway: fill() on an entry no longer in the
// outbox writes it back to storage (and counts it ready), so the next page
// sends a message this page reported dropped.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
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
