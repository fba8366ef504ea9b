// @vitest-environment node
import http from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { get, post, postBatch, register, results, start, type Collector } from './helpers';

let collector: Collector;
beforeAll(async () => {
  collector = await start();
});
afterAll(() => collector.close());
beforeEach(() => post(collector, '/micro/reset'));

const stored = async () => (await get(collector, '/micro/messages')).body.messages.length;
const pending = async () => (await get(collector, '/micro/faults')).body.faults;

describe('POST /micro/faults', () => {
  it('answers the status with Retry-After the given number of times, storing nothing', async () => {
    expect((await post(collector, '/micro/faults', { status: 503, times: 2, retryAfter: 2 })).status).toBe(200);
    const batch = [register()];

    for (let i = 0; i < 2; i += 1) {
      const answer = await postBatch(collector, batch, { headers: { Origin: 'https://shop.example' } });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('2');
      expect(answer.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      expect(answer.body).toEqual({ error: 'fault injected: 503' });
    }
    expect(await stored()).toBe(0);

    const answer = await postBatch(collector, batch);
    expect(answer.status).toBe(200);
    expect(answer.body.results[0].status).toBe('accepted');
    expect((await get(collector, '/micro/stats')).body).toMatchObject({ requests: 3, messages: 1, accepted: 1 });
  });

  it('answers a status once by default, without Retry-After when none is given', async () => {
    await post(collector, '/micro/faults', { status: 429 });
    const answer = await postBatch(collector, [register()]);
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBeNull();
    expect((await postBatch(collector, [register()])).status).toBe(200);
  });

  it('passes an HTTP-date Retry-After through as given', async () => {
    const date = 'Wed, 21 Oct 2015 07:28:00 GMT';
    await post(collector, '/micro/faults', { status: 503, retryAfter: date });
    expect((await postBatch(collector, [register()])).headers.get('retry-after')).toBe(date);
  });

  it('delays the answer of the next batches, after storing them', async () => {
    await post(collector, '/micro/faults', { delayMs: 300, times: 1 });
    const started = performance.now();
    const answer = await postBatch(collector, [register()]);

    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
    expect(answer.status).toBe(200);
    expect(await stored()).toBe(1);
    expect(await pending()).toEqual([]);
  });

  it('delays every batch until reset when no count is given', async () => {
    await post(collector, '/micro/faults', { delayMs: 10 });
    await results(collector, [register()]);
    await results(collector, [register()]);
    expect(await pending()).toEqual([{ kind: 'delay', delayMs: 10, times: null }]);
    await post(collector, '/micro/reset');
    expect(await pending()).toEqual([]);
  });

  it('drops the connection before storing the batch', async () => {
    await post(collector, '/micro/faults', { drop: 'before', times: 1 });
    await expect(postBatch(collector, [register()])).rejects.toThrow();
    expect(await stored()).toBe(0);
    expect((await postBatch(collector, [register()])).status).toBe(200);
  });

  it('drops the connection after storing the batch', async () => {
    await post(collector, '/micro/faults', { drop: 'after', times: 1 });
    const lost = register();
    await expect(postBatch(collector, [lost])).rejects.toThrow();
    expect(await stored()).toBe(1);
    // The SDK's retry of the same message is then a duplicate.
    expect((await results(collector, [lost]))[0].status).toBe('duplicate');
  });

  // A browser resends by itself a request on a reused keep-alive connection
  // that closes without an answer: the dropped request must come on a fresh one.
  it('closes kept-alive connections once a drop is queued, and keeps none alive until it is used up', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (path: string, method = 'GET', body?: string) =>
      new Promise<{ status: number; connection?: string; socket: Socket }>((resolve, reject) => {
        const req = http.request(`${collector.url}${path}`, { method, agent, headers: { 'Content-Type': 'text/plain' } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, socket: req.socket! }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const batch = () => JSON.stringify({ messages: [register()] });
    try {
      const warm = await send('/micro/stats');
      expect(warm.connection).toBe('keep-alive');
      // Kept alive: the same connection carries the next request.
      expect((await send('/micro/stats')).socket).toBe(warm.socket);
      const closed = new Promise((resolve) => warm.socket.once('close', resolve));

      await post(collector, '/micro/faults', { status: 500 });
      expect(warm.socket.destroyed).toBe(false);
      await post(collector, '/micro/faults', { drop: 'before', times: 2 });
      await closed;
      // Until both drops are used up, every answer closes its connection, errors too.
      const first = await send('/micro/stats');
      expect(first.connection).toBe('close');
      expect(first.socket).not.toBe(warm.socket);
      const refused = await send('/v1/batch', 'POST', batch());
      expect(refused).toMatchObject({ status: 500, connection: 'close' });
      await expect(send('/v1/batch', 'POST', batch())).rejects.toThrow();
      await expect(send('/v1/batch', 'POST', batch())).rejects.toThrow();
      const after = await send('/v1/batch', 'POST', batch());
      expect(after).toMatchObject({ status: 200, connection: 'keep-alive' });
      expect((await send('/micro/stats')).socket).toBe(after.socket);
    } finally {
      agent.destroy();
    }
  });

  it('closes an answer still pending when a drop is queued', async () => {
    await post(collector, '/micro/faults', { delayMs: 300, times: 1 });
    const slow = postBatch(collector, [register()]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await post(collector, '/micro/faults', { drop: 'after' });
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('connection')).toBe('close');
  });

  it('applies rules in the order they were posted', async () => {
    await post(collector, '/micro/faults', { status: 500 });
    await post(collector, '/micro/faults', { drop: 'before' });
    await post(collector, '/micro/faults', { status: 502 });

    expect((await postBatch(collector, [register()])).status).toBe(500);
    await expect(postBatch(collector, [register()])).rejects.toThrow();
    expect((await postBatch(collector, [register()])).status).toBe(502);
    expect((await postBatch(collector, [register()])).status).toBe(200);
  });

  it('leaves the test API alone', async () => {
    await post(collector, '/micro/faults', { status: 503 });
    expect((await get(collector, '/micro/stats')).status).toBe(200);
    expect((await get(collector, '/micro/messages')).status).toBe(200);
    expect(await pending()).toHaveLength(1);
  });

  const refused: [string, unknown, RegExp][] = [
    ['no rule', {}, /^Expected one of/],
    ['two rules at once', { status: 503, delayMs: 10 }, /^Expected one of/],
    ['a status that is not an error', { status: 200 }, /^status: Expected an error status from 400 to 599, but received: 200$/],
    ['a count of zero', { drop: 'after', times: 0 }, /^times: Expected a positive integer, but received: 0$/],
    ['an unknown drop', { drop: 'during' }, /^drop: /],
    ['an unknown field', { status: 503, every: 2 }, /^every: is not a known field$/],
    ['a Retry-After that cannot go in a header', { status: 503, retryAfter: 'soon\r\nX-Injected: 1' }, /^retryAfter: /],
    ['a Retry-After that is not a date', { status: 503, retryAfter: 'soon' }, /^retryAfter: /],
    ['a delay longer than ten minutes', { delayMs: 600_001 }, /^delayMs: /],
  ];
  for (const [what, rule, reason] of refused) {
    it(`refuses ${what} with 400`, async () => {
      const answer = await post(collector, '/micro/faults', rule);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(reason);
      expect(await pending()).toEqual([]);
    });
  }
});
