// @vitest-environment jsdom
// Consent denied, then the page comes back from the back/forward cache: it
// must not claim its page again, which without Web Locks (jsdom, Safari
// before 15.4) would write a heartbeat key into storage.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createSdk } from '../src/sdk';
import { fakeClock, FakeTransport, flamefyKeys, resetPage, spyErrors } from './support/fakes';

const API = 'https://api.flamefy.example';

function pageEvent(type: 'pagehide' | 'pageshow', persisted: boolean) {
  const event = new Event(type);
  Object.defineProperty(event, 'persisted', { value: persisted });
  window.dispatchEvent(event);
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 2, 1) });
  resetPage();
  spyErrors();
});
afterEach(() => {
  vi.useRealTimers();
  resetPage();
});

it('writes no flamefy key after consent was denied, even when the page comes back from the back/forward cache', async () => {
  expect((navigator as unknown as { locks?: unknown }).locks).toBeUndefined();
  const sdk = createSdk({ transport: new FakeTransport(), clock: fakeClock, random: () => 0.5, watchPage: true });
  sdk.run('init', [{ apiUrl: API }]).catch(() => undefined);
  await vi.advanceTimersByTimeAsync(100);
  sdk.run('consent', ['denied']).catch(() => undefined);
  expect(flamefyKeys()).toEqual([]);

  pageEvent('pagehide', true);
  pageEvent('pageshow', true);
  await vi.advanceTimersByTimeAsync(30_000);
  expect(flamefyKeys()).toEqual([]);
});
