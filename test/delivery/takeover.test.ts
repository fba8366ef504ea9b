// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOutbox, type Outbox } from '../../src/delivery/outbox';
import { openLocalStorage, type Store } from '../../src/delivery/storage';
import { createTabs, type Tabs } from '../../src/delivery/tabs';
import { takeOver } from '../../src/delivery/takeover';
import { createMessage } from '../../src/message';
import type { Message } from '../../src/protocol';
import { createSdk, scope, type Sdk } from '../../src/sdk';
import { fakeClock, FakeTransport, resetPage, spyErrors } from '../support/fakes';

const SCOPE = 'site';
const OWN = 'ownpage1';
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

function message(tag: string, seq: number, at: number): Message {
  return createMessage({ type: 'tag.add', tag, identity: { flm_api_token: 'tok' } }, seq, at);
}

/** Stores a message as a page of that id would have. */
function leave(page: string, m: Message, after?: string, scopeName = SCOPE): string {
  const key = `flm1:${scopeName}:${page}:${m.id}`;
  localStorage.setItem(key, after ? `{"a":${JSON.stringify(after)},"m":${JSON.stringify(m)}}` : `{"m":${JSON.stringify(m)}}`);
  return key;
}

let store: Store;
let outbox: Outbox;
let tabs: Tabs & { forget: ReturnType<typeof vi.fn<(pageId: string) => void>> };

beforeEach(() => {
  resetPage();
  store = openLocalStorage()!;
  outbox = createOutbox(`flm1:${SCOPE}:${OWN}:`, { outboxMaxMessages: 1000, outboxMaxBytes: 1024 * 1024 }, () => undefined);
  outbox.persistTo(store);
  tabs = { claim: async () => undefined, drain: async () => undefined, release: () => undefined, forget: vi.fn<(pageId: string) => void>() };
});
afterEach(() => resetPage());

describe('takeOver', () => {
  const goneOnly =
    (...gone: string[]) =>
    async (page: string) =>
      gone.includes(page);

  it('adopts the messages of gone pages, oldest first, re-keyed under this page', async () => {
    const late = message('late', 1, T0 + 2_000);
    const early = message('early', 7, T0);
    const sameTimeFirst = message('same-1', 3, T0 + 1_000);
    const sameTimeSecond = message('same-2', 4, T0 + 1_000);
    const oldKeys = [leave('gone-a', late), leave('gone-b', sameTimeSecond), leave('gone-a', early), leave('gone-b', sameTimeFirst)];

    const adopted = await takeOver(store, SCOPE, OWN, outbox, goneOnly('gone-a', 'gone-b'), tabs);

    expect(adopted.map((e) => (e.message as { tag: string }).tag)).toEqual(['early', 'same-1', 'same-2', 'late']);
    expect([...outbox.values()].map((e) => e.id)).toEqual([early.id, sameTimeFirst.id, sameTimeSecond.id, late.id]);
    for (const key of oldKeys) expect(localStorage.getItem(key)).toBeNull();
    for (const entry of adopted) {
      expect(entry.key).toBe(`flm1:${SCOPE}:${OWN}:${entry.id}`);
      expect(JSON.parse(localStorage.getItem(entry.key!)!)).toEqual({ m: entry.message });
    }
    expect(tabs.forget.mock.calls.map(([page]) => page).sort()).toEqual(['gone-a', 'gone-b']);
    expect(outbox.readyCount).toBe(4);
  });

  it('on a full storage, adopts the messages but leaves them stored under their old keys until answered', async () => {
    const left = message('left', 1, T0);
    const oldKey = leave('gone', left);
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });

    const [entry] = await takeOver(store, SCOPE, OWN, outbox, async () => true, tabs);

    expect(entry).toMatchObject({ id: left.id, key: oldKey });
    expect(localStorage.getItem(oldKey)).not.toBeNull(); // a crash now still leaves it for a later page
    outbox.remove(entry);
    expect(localStorage.getItem(oldKey)).toBeNull();
  });

  it('leaves alone the messages of pages still alive, and of other APIs', async () => {
    const alive = leave('alive', message('alive', 1, T0));
    const otherApi = leave('gone', message('other api', 1, T0), undefined, 'otherscope');
    const gone = message('gone', 1, T0);
    leave('gone', gone);
    const isGone = vi.fn(goneOnly('gone'));

    const adopted = await takeOver(store, SCOPE, OWN, outbox, isGone, tabs);

    expect(adopted.map((e) => e.id)).toEqual([gone.id]);
    expect(localStorage.getItem(alive)).not.toBeNull();
    expect(localStorage.getItem(otherApi)).not.toBeNull();
    expect(isGone.mock.calls.map(([page]) => page).sort()).toEqual(['alive', 'gone']);
    expect(tabs.forget).toHaveBeenCalledWith('gone');
    expect(tabs.forget).not.toHaveBeenCalledWith('alive');
  });

  it("never asks about this page's own messages", async () => {
    const own = outbox.add(message('own', 1, T0));
    const isGone = vi.fn(async () => true);
    const adopted = await takeOver(store, SCOPE, OWN, outbox, isGone, tabs);
    expect(adopted).toEqual([]);
    expect(isGone).not.toHaveBeenCalled();
    expect(localStorage.getItem(own.key!)).not.toBeNull();
  });

  it('keeps a waiting message waiting for its registration', async () => {
    const reg = createMessage(
      { type: 'audience.register', attributes: { first_name: 'A', last_name: 'B', email: 'a@b.co' }, write_mode: 'overwrite' },
      1,
      T0,
    );
    const waiter = message('waits', 2, T0 + 1);
    leave('gone', reg);
    leave('gone', waiter, reg.id);
    const adopted = await takeOver(store, SCOPE, OWN, outbox, goneOnly('gone'), tabs);
    expect(adopted.map((e) => [e.id, e.after])).toEqual([
      [reg.id, undefined],
      [waiter.id, reg.id],
    ]);
    expect(outbox.waitersOf(reg.id).map((e) => e.id)).toEqual([waiter.id]);
  });

  it('removes records that parse but hold no message, and goes on', async () => {
    localStorage.setItem(`flm1:${SCOPE}:gone:null`, '{"m":null}');
    localStorage.setItem(`flm1:${SCOPE}:gone:noid`, '{"m":{"type":"tag.add"}}');
    localStorage.setItem(`flm1:${SCOPE}:gone:numid`, '{"m":{"id":7}}');
    localStorage.setItem(`flm1:${SCOPE}:gone:empty`, '{}');
    localStorage.setItem(`flm1:${SCOPE}:gone:bare`, 'null');
    const good = message('good', 1, T0);
    leave('gone', good);
    const adopted = await takeOver(store, SCOPE, OWN, outbox, goneOnly('gone'), tabs);
    expect(adopted.map((e) => e.id)).toEqual([good.id]);
    expect(localStorage.getItem(`flm1:${SCOPE}:gone:null`)).toBeNull();
    expect(localStorage.getItem(`flm1:${SCOPE}:gone:noid`)).toBeNull();
    for (const key of ['numid', 'empty', 'bare']) expect(localStorage.getItem(`flm1:${SCOPE}:gone:${key}`)).toBeNull();
  });

  it('removes unreadable records and goes on', async () => {
    localStorage.setItem(`flm1:${SCOPE}:gone:broken`, '{not json');
    const good = message('good', 1, T0);
    leave('gone', good);
    const adopted = await takeOver(store, SCOPE, OWN, outbox, goneOnly('gone'), tabs);
    expect(adopted.map((e) => e.id)).toEqual([good.id]);
    expect(localStorage.getItem(`flm1:${SCOPE}:gone:broken`)).toBeNull();
  });
});

describe('createTabs without Web Locks (heartbeats)', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0 }));
  afterEach(() => vi.useRealTimers());

  it('counts a page gone when its heartbeat is stale or missing', async () => {
    const tabs = createTabs(SCOPE, store);
    await tabs.claim('me');
    localStorage.setItem(`flm1hb:${SCOPE}:fresh`, String(T0 - 5_000));
    localStorage.setItem(`flm1hb:${SCOPE}:stale`, String(T0 - 10 * 60_000));
    const verdicts: Record<string, boolean> = {};
    await tabs.drain(async (isGone) => {
      for (const page of ['me', 'fresh', 'stale', 'never']) verdicts[page] = await isGone(page);
    });
    expect(verdicts).toEqual({ me: false, fresh: false, stale: true, never: true });
  });

  it('keeps its own heartbeat fresh', async () => {
    const tabs = createTabs(SCOPE, store);
    await tabs.claim('me');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(Number(localStorage.getItem(`flm1hb:${SCOPE}:me`))).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('a new page', () => {
  const API = 'https://api.flamefy.example';
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    spyErrors();
  });
  afterEach(() => vi.useRealTimers());

  it('sends the messages a gone page left, once, and not those of a live page', async () => {
    const site = scope(API);
    const orphan = message('orphan', 1, T0 - 60_000);
    const orphanKey = leave('deadpage', orphan, undefined, site);
    const living = message('living', 1, T0 - 1_000);
    leave('livepage', living, undefined, site);
    localStorage.setItem(`flm1hb:${site}:livepage`, String(T0 - 1_000));

    const transport = new FakeTransport();
    const sdk = createSdk({ transport, clock: fakeClock, random: () => 0.5, watchPage: false });
    sdk.run('init', [{ apiUrl: API }]);
    await vi.advanceTimersByTimeAsync(2_000);

    expect(transport.messages.map((m) => m.id)).toEqual([orphan.id]);
    expect(localStorage.getItem(orphanKey)).toBeNull();
    expect(Object.keys(localStorage).filter((k) => k.includes(orphan.id))).toEqual([]);
    expect(Object.keys(localStorage).filter((k) => k.includes(living.id))).toHaveLength(1);
  });
});
