// @vitest-environment jsdom
// A full localStorage: a message taken over keeps its old key until answered,
// unless the outbox cap pushes it out at once; then its old record must go, or
// it would come back with every later page.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createOutbox } from '../../src/delivery/outbox';
import { openLocalStorage } from '../../src/delivery/storage';
import { takeOver } from '../../src/delivery/takeover';
import { createMessage } from '../../src/message';
import { resetPage } from '../support/fakes';

beforeEach(() => resetPage());
afterEach(() => {
  vi.restoreAllMocks();
  resetPage();
});

it('a message taken over and dropped at once by the cap is not left in storage', async () => {
  const m = createMessage({ type: 'tag.add', tag: 'x'.repeat(60), identity: { flm_api_token: 'tok' } }, 1, Date.now());
  const key = `flm1:site:deadpage:${m.id}`;
  localStorage.setItem(key, JSON.stringify({ m }));
  vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
    throw new DOMException('full', 'QuotaExceededError');
  });
  const store = openLocalStorage()!;
  const onDrop = vi.fn();
  const box = createOutbox('flm1:site:own:', { outboxMaxMessages: 1, outboxMaxBytes: 100 }, onDrop);
  box.persistTo(store);
  const tabs = { claim: async () => undefined, drain: async () => undefined, release: () => undefined, forget: () => undefined };
  const adopted = await takeOver(store, 'site', 'own', box, async () => true, tabs);

  expect(onDrop).toHaveBeenCalledTimes(1); // pushed out by the cap: reported dropped
  expect(box.size).toBe(0);
  expect(localStorage.getItem(key), 'a dropped message is not left in storage for the next page').toBeNull();
  void adopted;
});
