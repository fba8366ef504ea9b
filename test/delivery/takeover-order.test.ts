// @vitest-environment jsdom
// A gone page registered someone, then captured a tag waiting for that
// registration; its wall clock had stepped back in between (NTP correction, a
// user setting the clock), so the tag's ts is earlier than the registration's.
// takeOver sorts by ts, so the waiter lands in front of its own registration,
// and takeReady now stops at the first waiter: nothing is ever sent.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createMessage } from '../../src/message';
import type { Message } from '../../src/protocol';
import { createSdk, scope } from '../../src/sdk';
import { fakeClock, FakeTransport, resetPage, spyErrors } from '../support/fakes';

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
