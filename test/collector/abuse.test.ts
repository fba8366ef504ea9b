// @vitest-environment node
// What a hostile or broken client does to the collector: it answers with the
// right status, and goes on answering everyone else.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, postBatch, postRaw, register, start, type Collector } from './helpers';

let collector: Collector;
beforeAll(async () => {
  collector = await start({ bodyTimeoutMs: 300 });
});
afterAll(() => collector.close());

const MiB = 1024 * 1024;

/** Everything the server sent on a raw socket until it closed it. */
async function rawExchange(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('latin1');
}

function openSocket(): Socket {
  return connect({ port: collector.port, host: '127.0.0.1' });
}

describe('oversized bodies', () => {
  it('answers 413 to a 10 MB body, then answers the next request', async () => {
    const answer = await postRaw(collector, 'x'.repeat(10 * MiB));
    expect(answer.status).toBe(413);
    expect(answer.body.error).toBe(`Expected a body of at most ${MiB} bytes, but the request declares ${10 * MiB}`);
    expect(answer.headers.get('connection')).toBe('close');

    expect((await postBatch(collector, [register()])).status).toBe(200);
  });

  it('stops reading a chunked body once it passes 1 MiB', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${collector.url}/v1/batch`, { method: 'POST', headers: { 'Content-Type': 'text/plain' } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      // Writing may fail once the server has closed: the answer is what counts.
      req.on('error', (error) => setImmediate(() => reject(error)));
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < 10 * MiB && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect((await postBatch(collector, [register()])).status).toBe(200);
  });
});

describe('slow clients', () => {
  it('answers 408 to a client that sends its body a byte at a time, past the read timeout', async () => {
    const socket = openSocket();
    await once(socket, 'connect');
    socket.write(
      'POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://shop.example\r\n' +
        'Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n{',
    );
    const drip = setInterval(() => socket.writable && socket.write(' '), 50);
    const received = await rawExchange(socket).finally(() => clearInterval(drip));

    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toMatch(/\r\nAccess-Control-Allow-Origin: https:\/\/shop\.example\r\n/i);
    expect(received).toContain('Expected the whole body within 300 ms');
    expect((await postBatch(collector, [register()])).status).toBe(200);
  });
});

describe('malformed HTTP', () => {
  it('answers 400 and closes a connection that sends no HTTP at all', async () => {
    const socket = openSocket();
    socket.write('\x00\x01 this is not HTTP\r\n\r\n');
    expect(await rawExchange(socket)).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('answers 400 to a request target that is not a URL', async () => {
    const socket = openSocket();
    socket.write('GET http://[x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const received = await rawExchange(socket);
    expect(received).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(received).toContain('Expected a request target, but received: \\"http://[x\\"');
  });
});

describe('load', () => {
  // Fixed counts, all on loopback: the test ends by itself.
  const GARBAGE_CONCURRENCY = 200;
  const GARBAGE_ROUNDS = 5;
  const VALID_WORKERS = 10;
  const VALID_PER_WORKER = 30;
  const MESSAGES_PER_BATCH = 5;

  // A third of the garbage is random bytes; a third, a batch request with a
  // random body; a third, a batch request whose body never ends (held open
  // until the read timeout).
  function garbage(i: number): { bytes: Buffer; hang: boolean } {
    const noise = randomBytes(512 + (i % 7) * 512);
    const head = (length: number) =>
      Buffer.from(`POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n\r\n`);
    if (i % 3 === 0) return { bytes: noise, hang: false };
    if (i % 3 === 1) return { bytes: Buffer.concat([head(noise.length), noise, randomBytes(256)]), hang: false };
    return { bytes: Buffer.concat([head(noise.length * 4), noise]), hang: true };
  }

  async function garbageConnection(i: number): Promise<void> {
    const socket = openSocket();
    const { bytes, hang } = garbage(i);
    socket.on('error', () => {});
    socket.on('connect', () => (hang ? socket.write(bytes) : socket.end(bytes)));
    socket.resume();
    await once(socket, 'close');
  }

  async function garbageLane(lane: number): Promise<void> {
    for (let round = 0; round < GARBAGE_ROUNDS; round += 1) await garbageConnection(lane * GARBAGE_ROUNDS + round);
  }

  async function validLane(): Promise<{ ok: boolean; ms: number }[]> {
    const outcomes = [];
    for (let i = 0; i < VALID_PER_WORKER; i += 1) {
      const batch = Array.from({ length: MESSAGES_PER_BATCH }, () => register());
      const started = performance.now();
      try {
        const answer = await postBatch(collector, batch);
        const ok = answer.status === 200 && answer.body.results.every((r: any) => r.status === 'accepted');
        outcomes.push({ ok, ms: performance.now() - started });
      } catch {
        outcomes.push({ ok: false, ms: performance.now() - started });
      }
    }
    return outcomes;
  }

  const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

  it('answers every valid batch while 200 connections send garbage', { timeout: 60_000 }, async () => {
    const before = (await get(collector, '/micro/stats')).body.accepted;
    const garbageDone = Promise.all(Array.from({ length: GARBAGE_CONCURRENCY }, (_, lane) => garbageLane(lane)));
    const valid = (await Promise.all(Array.from({ length: VALID_WORKERS }, validLane))).flat();
    await garbageDone;

    const ms = valid.map((o) => o.ms).sort((a, b) => a - b);
    const rate = (100 * valid.filter((o) => o.ok).length) / valid.length;
    console.log(
      `load: ${GARBAGE_CONCURRENCY * GARBAGE_ROUNDS} garbage connections (${GARBAGE_CONCURRENCY} at a time), ` +
        `${valid.length} valid batches of ${MESSAGES_PER_BATCH}: success ${rate.toFixed(1)}%, ` +
        `p50 ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms`,
    );

    expect(rate).toBe(100);
    const stats = await get(collector, '/micro/stats');
    expect(stats.status).toBe(200);
    expect(stats.body.accepted - before).toBe(VALID_WORKERS * VALID_PER_WORKER * MESSAGES_PER_BATCH);
  });
});
