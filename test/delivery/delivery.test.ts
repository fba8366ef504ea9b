// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDelivery, type DeliveryConfig } from '../../src/delivery/delivery';
import { createOutbox, type Entry } from '../../src/delivery/outbox';
import { RETRY_POLICY, type Outcome } from '../../src/delivery/policy';
import { openLocalStorage } from '../../src/delivery/storage';
import { KEEPALIVE_QUOTA_BYTES } from '../../src/delivery/transport';
import { createLog } from '../../src/log';
import { createMessage, utf8Length } from '../../src/message';
import type { Batch } from '../../src/protocol';
import { acceptAll, deferred, fakeClock, FakeTransport, resetPage, spyErrors, type Answerer } from '../support/fakes';

const URL = 'https://api.flamefy.example/v1/batch';
const PREFIX = 'flm1:site:page1:';
const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const wait = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

/** Answers in turn, the last one for every request after. */
function answers(...list: (Outcome | Answerer)[]): Answerer {
  let i = 0;
  return (batch) => {
    const next = list[Math.min(i++, list.length - 1)];
    return typeof next === 'function' ? next(batch) : next;
  };
}
const status = (code: number, retryAfter?: string): Outcome => ({ kind: 'status', status: code, retryAfter, reason: code === 400 ? 'bad body' : undefined });

let transport: FakeTransport;
let errors: ReturnType<typeof spyErrors>;

function setup(config: Partial<DeliveryConfig> = {}) {
  const outbox = createOutbox(PREFIX, { outboxMaxMessages: 10_000, outboxMaxBytes: 10 * 1024 * 1024 }, () => undefined);
  outbox.persistTo(openLocalStorage());
  const onResult = vi.fn();
  const net = { online: true };
  const delivery = createDelivery(
    { url: URL, batchSize: 50, batchWaitMs: 100, maxBatchBytes: 48 * 1024, ...config },
    { outbox, transport, clock: fakeClock, random: () => 0.5, log: createLog(), isOnline: () => net.online, onResult },
  );
  let seq = 0;
  const settles = new Map<string, { resolve: ReturnType<typeof vi.fn>; reject: ReturnType<typeof vi.fn> }>();
  /** Captures n tag.add messages (tag of tagChars characters each) and tells delivery. */
  const add = (n = 1, tagChars = 8): Entry[] => {
    const added: Entry[] = [];
    for (let i = 0; i < n; i++) {
      seq++;
      const tag = `t${seq}`.padEnd(tagChars, '.');
      const settle = { resolve: vi.fn(), reject: vi.fn() };
      const entry = outbox.add(createMessage({ type: 'tag.add', tag, identity: { flm_api_token: 'tok' } }, seq, Date.now()), { settle });
      settles.set(entry.id, settle);
      added.push(entry);
      delivery.ready();
    }
    return added;
  };
  return { outbox, delivery, onResult, net, add, settles };
}

const ids = (batch: Batch) => batch.messages.map((m) => m.id);

beforeEach(() => {
  vi.useFakeTimers({ now: START });
  resetPage();
  transport = new FakeTransport();
  errors = spyErrors();
});

afterEach(() => {
  vi.useRealTimers();
  resetPage();
});

describe('Delivery', () => {
  describe('retries', () => {
    it('answers each message once after a 503 then a 200, sending nothing before the backoff wait', async () => {
      transport.answer = answers(status(503), acceptAll);
      const { add, onResult, settles, outbox } = setup();
      const entries = add(3);
      await wait(100);
      expect(transport.posts).toHaveLength(1);
      await wait(499); // random 0.5 of a first ceiling of 1,000 ms
      expect(transport.posts).toHaveLength(1);
      await wait(1);
      expect(transport.posts).toHaveLength(2);
      expect(transport.posts[1].at - transport.posts[0].at).toBe(500);
      expect(ids(transport.posts[1].batch)).toEqual(ids(transport.posts[0].batch));
      expect(onResult).toHaveBeenCalledTimes(3);
      for (const e of entries) {
        expect(settles.get(e.id)!.resolve).toHaveBeenCalledTimes(1);
        expect(settles.get(e.id)!.reject).not.toHaveBeenCalled();
      }
      expect(outbox.size).toBe(0);
      await wait(60_000);
      expect(transport.posts).toHaveLength(2);
    });

    it('honours Retry-After', async () => {
      transport.answer = answers(status(429, '3'), acceptAll);
      const { add } = setup();
      add();
      await wait(100);
      await wait(2_999);
      expect(transport.posts).toHaveLength(1);
      await wait(1);
      expect(transport.posts).toHaveLength(2);
    });

    it('retries a network failure, and a transport that throws', async () => {
      transport.answer = answers({ kind: 'network', reason: 'Failed to fetch' }, () => Promise.reject(new Error('boom')), acceptAll);
      const { add, outbox } = setup();
      add();
      await wait(100 + 500 + 1_000);
      expect(transport.posts).toHaveLength(3);
      expect(outbox.size).toBe(0);
      expect(errors.lines()).toEqual([]);
    });

    it(`gives up on this page after ${RETRY_POLICY.maxAttempts} failed attempts, keeping the messages stored`, async () => {
      transport.answer = () => status(503);
      const { add, outbox, delivery } = setup();
      add();
      await wait(60 * 60_000);
      expect(transport.posts).toHaveLength(RETRY_POLICY.maxAttempts);
      expect(outbox.size).toBe(1);
      expect(Object.keys(localStorage).filter((k) => k.startsWith(PREFIX))).toHaveLength(1);

      transport.answer = acceptAll;
      delivery.online();
      await wait(0);
      expect(outbox.size).toBe(0);
    });

    it('keeps at most one request in flight', async () => {
      const pending: ReturnType<typeof deferred<Outcome>>[] = [];
      transport.answer = () => {
        const answer = deferred<Outcome>();
        pending.push(answer);
        return answer.promise;
      };
      const { add } = setup();
      add(120);
      await wait(5_000);
      expect(transport.posts).toHaveLength(1);
      add(60);
      await wait(5_000);
      expect(transport.posts).toHaveLength(1);
      pending[0].resolve(acceptAll(transport.posts[0].batch) as Outcome);
      await wait(10);
      expect(transport.posts).toHaveLength(2);
      expect(transport.maxInFlight).toBe(1);
    });
  });

  describe('the network', () => {
    it('makes no attempt offline, and sends at once when back online', async () => {
      const { add, net, delivery } = setup();
      net.online = false;
      add();
      await wait(60_000);
      expect(transport.posts).toHaveLength(0);
      net.online = true;
      delivery.online();
      await wait(0);
      expect(transport.posts).toHaveLength(1);
    });

    it('sends no beacon when the page is left offline, and keeps everything stored', async () => {
      transport.hasBeacon = true;
      const { add, net, delivery, outbox } = setup();
      net.online = false;
      const entries = add(3);
      delivery.hide();
      await wait(0);
      expect(transport.beacons).toHaveLength(0);
      expect(transport.posts).toHaveLength(0);
      expect(entries.every((e) => outbox.has(e.id) && localStorage.getItem(e.key!) !== null)).toBe(true);
    });

    it('cuts a backoff wait short when the network comes back', async () => {
      transport.answer = answers(status(503, '100'), acceptAll);
      const { add, delivery, outbox } = setup();
      add();
      await wait(100);
      delivery.online();
      await wait(0);
      expect(transport.posts).toHaveLength(2);
      expect(outbox.size).toBe(0);
    });
  });

  describe('refusals', () => {
    it('splits a batch in halves on 413', async () => {
      transport.answer = answers(status(413), acceptAll);
      const { add, outbox } = setup();
      const entries = add(10);
      await wait(100 + 10);
      expect(transport.posts.map((p) => p.batch.messages.length)).toEqual([10, 5]);
      await wait(100);
      expect(transport.posts.map((p) => p.batch.messages.length)).toEqual([10, 5, 5]);
      expect(transport.posts.slice(1).flatMap((p) => ids(p.batch))).toEqual(entries.map((e) => e.id));
      expect(outbox.size).toBe(0);
      expect(errors.lines()).toEqual([]);
    });

    it('drops a single message answered 413, with one line', async () => {
      transport.answer = answers(status(413), acceptAll);
      const { add, settles, outbox } = setup();
      const [entry] = add(1);
      await wait(100);
      expect(errors.lines()).toEqual(['[flamefy] dropped 1 message(s): the API answered 413: this message is too large']);
      expect(settles.get(entry.id)!.reject).toHaveBeenCalledTimes(1);
      expect(outbox.size).toBe(0);
    });

    it('drops a batch answered 400 with one line, and the next batch still goes', async () => {
      transport.answer = answers(status(400), acceptAll);
      const { add, settles, outbox } = setup({ batchSize: 3 });
      const dropped = add(3);
      await wait(0);
      const next = add(2);
      await wait(100);
      expect(errors.lines()).toEqual(['[flamefy] dropped 3 message(s): the API answered 400: bad body']);
      for (const e of dropped) {
        expect(settles.get(e.id)!.reject).toHaveBeenCalledWith(expect.objectContaining({ message: 'tag.add: the API answered 400: bad body' }));
      }
      expect(transport.posts.map((p) => ids(p.batch))).toEqual([dropped.map((e) => e.id), next.map((e) => e.id)]);
      expect(outbox.size).toBe(0);
      expect(Object.keys(localStorage).filter((k) => k.startsWith(PREFIX))).toEqual([]);
    });

    it('logs one line for a rejected message and resolves the rest of the batch', async () => {
      transport.answer = (batch) => ({
        kind: 'answer',
        results: batch.messages.map((m, i) => (i === 1 ? { id: m.id, status: 'rejected', error: 'tag too rude' } : { id: m.id, status: i ? 'duplicate' : 'accepted' })),
      });
      const { add, settles, outbox, onResult } = setup();
      const [a, b, c] = add(3);
      await wait(100);
      expect(errors.lines()).toEqual(['[flamefy] tag.add: refused by the API: tag too rude']);
      expect(settles.get(a.id)!.resolve).toHaveBeenCalledWith({ id: a.id, status: 'accepted' });
      expect(settles.get(b.id)!.reject).toHaveBeenCalledWith(expect.objectContaining({ message: 'tag.add: refused by the API: tag too rude' }));
      expect(settles.get(c.id)!.resolve).toHaveBeenCalledWith({ id: c.id, status: 'duplicate' });
      expect(onResult).toHaveBeenCalledTimes(3);
      expect(outbox.size).toBe(0);
    });

    it('sends again, with the next batch, a message the answer left out', async () => {
      transport.answer = answers((batch) => ({ kind: 'answer', results: [{ id: batch.messages[0].id, status: 'accepted' }] }), acceptAll);
      const { add, outbox } = setup();
      const [, b] = add(2);
      await wait(100);
      await wait(100);
      expect(transport.posts.map((p) => ids(p.batch))).toEqual([expect.any(Array), [b.id]]);
      expect(outbox.size).toBe(0);
    });

    it('treats a 200 without results as a failure to retry', async () => {
      transport.answer = answers({ kind: 'answer', results: undefined }, acceptAll);
      const { add, outbox } = setup();
      add();
      await wait(100 + 500);
      expect(transport.posts).toHaveLength(2);
      expect(outbox.size).toBe(0);
    });
  });

  describe('leaving the page', () => {
    /** Every message beaconed, by id, with how many times. */
    const beaconCounts = () => {
      const counts = new Map<string, number>();
      for (const m of transport.beaconed) counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
      return counts;
    };

    it('sends what is pending by beacon, each body under 64 KiB, none twice and none lost', async () => {
      transport.hasBeacon = true;
      const { add, delivery, outbox } = setup({ batchWaitMs: 60_000, batchSize: 500 });
      const entries = add(300, 160);
      expect(entries[0].bytes).toBeGreaterThan(280);
      expect(entries[0].bytes).toBeLessThan(320);
      delivery.hide();
      expect(transport.posts).toHaveLength(0);
      expect(transport.beacons.length).toBeGreaterThan(1);
      for (const b of transport.beacons) {
        expect(utf8Length(b.body)).toBeLessThanOrEqual(KEEPALIVE_QUOTA_BYTES);
        expect(b.url).toBe(URL);
      }
      const counts = beaconCounts();
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      // The browser allows 64 KiB of beacons in flight: what does not fit stays stored.
      const totalBytes = transport.beacons.reduce((sum, b) => sum + utf8Length(b.body), 0);
      expect(totalBytes).toBeLessThanOrEqual(KEEPALIVE_QUOTA_BYTES);
      for (const e of entries) {
        const beaconed = counts.has(e.id);
        expect(beaconed ? e.via : outbox.has(e.id) && e.key !== undefined).toBe(beaconed ? 'beacon' : true);
      }
      expect(transport.beaconed.map((m) => m.seq)).toEqual(entries.slice(0, counts.size).map((e) => e.message.seq));
    });

    it('splits a refused beacon and tries the halves', async () => {
      transport.hasBeacon = true;
      const tried: number[] = [];
      transport.takeBeacon = (body) => {
        tried.push(body.length);
        return body.length <= 5_000;
      };
      const { add, delivery } = setup({ batchWaitMs: 60_000 });
      const entries = add(40, 180);
      delivery.hide();
      expect(Math.max(...tried)).toBeGreaterThan(5_000);
      expect(transport.beacons.every((b) => b.body.length <= 5_000)).toBe(true);
      expect(transport.beaconed.map((m) => m.id)).toEqual(entries.map((e) => e.id));
    });

    it('keeps a message the browser will not beacon, and sends it by fetch when the page shows again', async () => {
      transport.hasBeacon = true;
      transport.takeBeacon = () => false;
      const { add, delivery, outbox } = setup();
      const [entry] = add(1);
      expect(() => delivery.hide()).not.toThrow();
      expect(transport.beacons).toHaveLength(0);
      expect(transport.posts).toHaveLength(0);
      expect(outbox.has(entry.id)).toBe(true);
      expect(localStorage.getItem(entry.key!)).not.toBeNull();
      await wait(60_000);
      expect(transport.posts).toHaveLength(0); // nothing goes while hidden but by beacon
      delivery.show();
      await wait(100);
      expect(transport.messages.map((m) => m.id)).toEqual([entry.id]);
      expect(outbox.size).toBe(0);
    });

    it('posts with keepalive, in chunks under 64 KiB, where there is no sendBeacon', async () => {
      const { add, delivery, outbox } = setup({ batchWaitMs: 60_000, batchSize: 500 });
      add(100, 180);
      delivery.hide();
      await wait(0);
      expect(transport.posts.length).toBeGreaterThan(0);
      expect(transport.posts.every((p) => p.keepalive)).toBe(true);
      expect(transport.posts.reduce((sum, p) => sum + utf8Length(p.body), 0)).toBeLessThanOrEqual(KEEPALIVE_QUOTA_BYTES);
      expect(outbox.size).toBe(0);
    });

    it('sends again by fetch, once the page shows again, what went by beacon', async () => {
      transport.hasBeacon = true;
      const { add, delivery, outbox } = setup();
      const entries = add(3);
      delivery.hide();
      expect(transport.beaconed.map((m) => m.id)).toEqual(entries.map((e) => e.id));
      delivery.show();
      await wait(100);
      expect(transport.messages.map((m) => m.id)).toEqual(entries.map((e) => e.id));
      expect(outbox.size).toBe(0);
    });

    it('sends at once what is pushed while the page is hidden', async () => {
      transport.hasBeacon = true;
      const { add, delivery } = setup({ batchWaitMs: 60_000 });
      delivery.hide();
      const [a, b] = add(2);
      expect(transport.beacons).toHaveLength(0); // once this task's pushes are in
      await wait(0);
      expect(transport.beacons.map((x) => ids(x.batch))).toEqual([[a.id, b.id]]);
    });

    it('goes on sending while the page stays hidden, once the beacons already gone free their room', async () => {
      transport.hasBeacon = true;
      const { add, delivery, outbox } = setup({ batchWaitMs: 60_000, batchSize: 500 });
      delivery.hide();
      add(300, 160); // about 90 KiB: more than may be in flight at once
      await wait(0);
      const first = transport.beacons.length;
      expect(outbox.readyCount).toBeGreaterThan(0);
      await wait(5_000);
      expect(transport.beacons.length).toBeGreaterThan(first);
      expect(outbox.readyCount).toBe(0);
      expect(new Set(transport.beaconed.map((m) => m.id)).size).toBe(300);
    });

    it('reads the outbox once for all that one task pushes while hidden, not once per push', async () => {
      transport.hasBeacon = true;
      const { add, delivery, outbox } = setup({ batchWaitMs: 60_000 });
      delivery.hide();
      const reads = vi.spyOn(outbox, 'values');
      add(100, 100);
      await wait(0);
      expect(reads).toHaveBeenCalledTimes(1);
      expect(transport.beaconed).toHaveLength(100);
    });

    it('sends by beacon a large batch in flight by plain fetch, but not one in flight with keepalive', async () => {
      transport.hasBeacon = true;
      transport.answer = () => new Promise(() => undefined);
      const { add, delivery } = setup({ batchWaitMs: 10, batchSize: 500 });
      const large = add(150, 180); // over 32 KiB: a plain fetch, which dies with the page
      await wait(10);
      expect(transport.posts.map((p) => p.keepalive)).toEqual([false]);
      delivery.hide();
      expect(transport.beaconed.map((m) => m.id)).toEqual(large.map((e) => e.id));

      transport.beacons.length = 0;
      delivery.show();
      const fresh = setup({ batchWaitMs: 10 });
      fresh.add(2);
      await wait(10);
      expect(transport.posts.at(-1)!.keepalive).toBe(true);
      fresh.delivery.hide();
      expect(transport.beacons).toHaveLength(0);
    });
  });

  describe('stop', () => {
    it('sends nothing more once stopped', async () => {
      const { add, delivery } = setup();
      add(1);
      delivery.stop();
      add(1);
      await wait(60_000);
      delivery.hide();
      expect(transport.posts).toHaveLength(0);
      expect(transport.beacons).toHaveLength(0);
    });
  });
});
