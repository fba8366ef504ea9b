// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDelivery } from '../../src/delivery/delivery';
import { createOutbox, type Entry } from '../../src/delivery/outbox';
import { openLocalStorage, type Store } from '../../src/delivery/storage';
import { createLog } from '../../src/log';
import { createMessage } from '../../src/message';
import type { Message } from '../../src/protocol';
import { acceptAll, fakeClock, FakeTransport, resetPage, spyErrors } from '../support/fakes';

const PREFIX = 'flm1:site:page1:';
const token = { flm_api_token: 'tok' };
const LIMITS = { outboxMaxMessages: 1000, outboxMaxBytes: 1024 * 1024 };

let seq = 0;
const tagMessage = (tag = 'vip'): Message => createMessage({ type: 'tag.add', tag, identity: token }, ++seq, Date.now());
const registration = (): Message =>
  createMessage(
    { type: 'audience.register', attributes: { first_name: 'A', last_name: 'B', email: 'a@b.co' }, write_mode: 'overwrite' },
    ++seq,
    Date.now(),
  );

function outbox(limits = LIMITS, onDrop = vi.fn()) {
  const box = createOutbox(PREFIX, limits, onDrop);
  return { box, onDrop };
}

const stored = () => Object.keys(localStorage).filter((k) => k.startsWith(PREFIX));

beforeEach(() => {
  resetPage();
  seq = 0;
});
afterEach(() => resetPage());

describe('Outbox', () => {
  describe('storage', () => {
    it('writes each message under its own key as it is added', () => {
      const { box } = outbox();
      box.persistTo(openLocalStorage());
      const message = tagMessage();
      const entry = box.add(message);
      expect(stored()).toEqual([PREFIX + message.id]);
      expect(localStorage.getItem(PREFIX + message.id)).toBe(`{"m":${JSON.stringify(message)}}`);
      expect(entry.key).toBe(PREFIX + message.id);
      expect(box.persistent).toBe(true);
    });

    it('writes what it held in memory once told where to persist', () => {
      const { box } = outbox();
      const messages = [tagMessage('a'), tagMessage('b')];
      for (const m of messages) box.add(m);
      expect(stored()).toEqual([]);
      box.persistTo(openLocalStorage());
      expect(stored().sort()).toEqual(messages.map((m) => PREFIX + m.id).sort());
    });

    it('stores a waiting message with the registration it waits for, and rewrites it once filled', () => {
      const { box } = outbox();
      box.persistTo(openLocalStorage());
      const reg = box.add(registration());
      const waiter = box.add(tagMessage(), { after: reg.id });
      expect(JSON.parse(localStorage.getItem(waiter.key!)!)).toEqual({ a: reg.id, m: waiter.message });
      box.fill(box.waitersOf(reg.id)[0], token);
      expect(JSON.parse(localStorage.getItem(waiter.key!)!)).toEqual({ m: { ...waiter.message, identity: token } });
    });

    it('removes the key when the message leaves', () => {
      const { box } = outbox();
      box.persistTo(openLocalStorage());
      const [a, b] = [box.add(tagMessage('a')), box.add(tagMessage('b'))];
      box.remove(a);
      expect(stored()).toEqual([b.key]);
      box.clear();
      expect(stored()).toEqual([]);
      expect(box.size).toBe(0);
    });

    it('is written before the first send and emptied when answered', async () => {
      vi.useFakeTimers();
      try {
        const { box } = outbox();
        box.persistTo(openLocalStorage());
        const seenAtSend: string[][] = [];
        const transport = new FakeTransport((batch) => {
          seenAtSend.push(stored());
          return acceptAll(batch);
        });
        const delivery = createDelivery(
          { url: 'https://api.example/v1/batch', batchSize: 50, batchWaitMs: 100, maxBatchBytes: 48 * 1024 },
          { outbox: box, transport, clock: fakeClock, random: () => 0.5, log: createLog(), isOnline: () => true, onResult: () => undefined },
        );
        const messages = [tagMessage('a'), tagMessage('b')];
        for (const m of messages) {
          box.add(m);
          delivery.ready();
        }
        await vi.advanceTimersByTimeAsync(100);
        expect(seenAtSend).toEqual([expect.arrayContaining(messages.map((m) => PREFIX + m.id))]);
        expect(stored()).toEqual([]);
        expect(box.size).toBe(0);
      } finally {
        vi.useRealTimers();
      }
    });

    it('stays in memory, silently, when storage throws QuotaExceededError', () => {
      const errors = spyErrors();
      const store = openLocalStorage();
      const { box } = outbox();
      box.persistTo(store);
      const kept = box.add(tagMessage('kept'));
      const setItem = vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      });
      const a = box.add(tagMessage('a'));
      const b = box.add(tagMessage('b'));
      expect(box.size).toBe(3);
      expect(box.persistent).toBe(false);
      expect(a.key).toBeUndefined();
      expect(setItem).toHaveBeenCalledTimes(1); // the first failure; no write is tried after it
      expect(errors.lines()).toEqual([]);
      expect(box.takeReady(10, 1e6).map((e) => e.id)).toEqual([kept.id, a.id, b.id]);

      setItem.mockRestore();
      box.remove(kept);
      expect(stored()).toEqual([]); // what was stored before still goes when answered
    });

    it('stays in memory when there is no storage at all', () => {
      const { box } = outbox();
      box.persistTo(null);
      box.add(tagMessage());
      expect(box.persistent).toBe(false);
      expect(box.size).toBe(1);
    });
  });

  describe('caps', () => {
    it('drops the oldest past the message cap, and counts them', () => {
      const { box, onDrop } = outbox({ outboxMaxMessages: 3, outboxMaxBytes: 1e6 });
      box.persistTo(openLocalStorage());
      const entries = ['a', 'b', 'c', 'd', 'e'].map((t) => box.add(tagMessage(t)));
      expect(box.size).toBe(3);
      expect(box.dropped).toBe(2);
      expect(onDrop.mock.calls.map(([e, reason]) => [(e as Entry).id, reason])).toEqual([
        [entries[0].id, 'the outbox is full'],
        [entries[1].id, 'the outbox is full'],
      ]);
      expect(stored().sort()).toEqual(entries.slice(2).map((e) => e.key).sort());
      expect(box.readyCount).toBe(3);
    });

    it('pushes out pinned messages last: the oldest of the others goes first', () => {
      const onDrop = vi.fn();
      const box = createOutbox(PREFIX, { outboxMaxMessages: 2, outboxMaxBytes: 1e6 }, onDrop, (e) => e.message.type === 'audience.register');
      const reg = box.add(registration());
      const first = box.add(tagMessage('first'));
      const second = box.add(tagMessage('second'));
      expect(onDrop.mock.calls.map(([entry]) => entry.id)).toEqual([first.id]);
      expect([...box.values()].map((e) => e.id)).toEqual([reg.id, second.id]);
      const reg2 = box.add(registration());
      expect([...box.values()].map((e) => e.id)).toEqual([reg.id, reg2.id]);
      box.add(registration()); // nothing but pinned ones left: the oldest of them goes
      expect(box.has(reg.id)).toBe(false);
      expect(box.dropped).toBe(3);
    });

    it('drops the oldest past the byte cap, and counts them', () => {
      const one = tagMessage('x'.repeat(100));
      const bytes = JSON.stringify(one).length;
      const { box, onDrop } = outbox({ outboxMaxMessages: 1000, outboxMaxBytes: bytes * 2 + 10 });
      box.add(one);
      box.add(tagMessage('y'.repeat(100)));
      expect(box.dropped).toBe(0);
      const third = box.add(tagMessage('z'.repeat(100)));
      expect(box.dropped).toBe(1);
      expect(onDrop).toHaveBeenCalledTimes(1);
      expect(onDrop.mock.calls[0][0].id).toBe(one.id);
      expect(box.has(third.id)).toBe(true);
      expect(box.size).toBe(2);
    });
  });

  describe('readiness', () => {
    it('counts ready messages: not in flight, not waiting for an identity', () => {
      const { box } = outbox();
      const reg = box.add(registration());
      const waiter = box.add(tagMessage(), { after: reg.id });
      expect(box.readyCount).toBe(1);
      box.setVia(reg, 'fetch');
      expect(box.readyCount).toBe(0);
      box.setVia(waiter, 'fetch'); // a waiting message cannot be in flight
      expect(waiter.via).toBeUndefined();
      box.setVia(reg, undefined);
      expect(box.readyCount).toBe(1);
      box.fill(box.waitersOf(reg.id)[0], token);
      expect(box.readyCount).toBe(2);
      box.remove(reg);
      box.remove(waiter);
      expect(box.readyCount).toBe(0);
    });

    it('takes the oldest ready messages, up to a count and a byte size', () => {
      const { box } = outbox();
      const entries = ['a', 'b', 'c', 'd'].map((t) => box.add(tagMessage(t)));
      box.setVia(entries[0], 'keepalive');
      expect(box.takeReady(2, 1e6).map((e) => e.id)).toEqual([entries[1].id, entries[2].id]);
      const size = entries[1].bytes + 1;
      expect(box.takeReady(10, size + entries[2].bytes).map((e) => e.id)).toEqual([entries[1].id, entries[2].id]);
      expect(box.takeReady(10, size + entries[2].bytes - 1).map((e) => e.id)).toEqual([entries[1].id]);
    });

    it('takes nothing from behind a message waiting for its identity, until it has one', () => {
      const { box } = outbox();
      const reg = box.add(registration());
      const waiter = box.add(tagMessage('waits'), { after: reg.id });
      const later = box.add(tagMessage('has its own identity'));
      expect(box.takeReady(10, 1e6).map((e) => e.id)).toEqual([reg.id]);
      box.setVia(reg, 'fetch');
      expect(box.takeReady(10, 1e6)).toEqual([]);
      box.fill(waiter, token);
      expect(box.takeReady(10, 1e6).map((e) => e.id)).toEqual([waiter.id, later.id]);
    });

    it('takes one oversized message alone, so that it gets its answer', () => {
      const { box } = outbox();
      const big = box.add(tagMessage('x'.repeat(120)));
      box.add(tagMessage('y'));
      expect(box.takeReady(10, 10).map((e) => e.id)).toEqual([big.id]);
    });
  });

  describe('adopt', () => {
    it('takes a stored record under its own key, and ignores one it holds already', () => {
      const { box } = outbox();
      box.persistTo(openLocalStorage());
      const message = tagMessage();
      const entry = box.add(message);
      expect(box.adopt({ m: message }, 'old-key')).toBeUndefined();
      box.remove(entry);
      const adopted = box.adopt({ a: 'reg-1', m: message }, 'old-key')!;
      expect(adopted).toMatchObject({ id: message.id, message, after: 'reg-1', key: PREFIX + message.id });
    });

    it('keeps the old key as its own when this page cannot write', () => {
      const { box } = outbox();
      box.persistTo(openLocalStorage());
      vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
        throw new DOMException('full', 'QuotaExceededError');
      });
      const message = tagMessage();
      expect(box.adopt({ m: message }, 'old-key')).toMatchObject({ id: message.id, key: 'old-key' });
    });
  });
});

describe('openLocalStorage', () => {
  it('is null when localStorage cannot be read', () => {
    const getter = vi.spyOn(window, 'localStorage', 'get').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError');
    });
    expect(openLocalStorage()).toBeNull();
    getter.mockRestore(); // before the clean-up, which needs it
  });

  it('is there when localStorage is full, so that what earlier pages left can be read and removed', () => {
    localStorage.setItem('flm1:left', 'x');
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    const store = openLocalStorage()!;
    expect(store.keys('flm1:')).toEqual(['flm1:left']);
    store.remove('flm1:left');
    expect(localStorage.getItem('flm1:left')).toBeNull();
  });

  it('lists keys by prefix and reports failed writes as false', () => {
    const store = openLocalStorage() as Store;
    store.set('flm1:a:1', 'x');
    store.set('flm1:b:1', 'y');
    store.set('other', 'z');
    expect(store.keys('flm1:a:')).toEqual(['flm1:a:1']);
    expect(store.get('flm1:b:1')).toBe('y');
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    expect(store.set('flm1:a:2', 'x')).toBe(false);
    store.remove('flm1:a:1');
    expect(store.keys('flm1:')).toEqual(['flm1:b:1']);
  });
});
