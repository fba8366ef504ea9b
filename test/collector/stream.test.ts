// @vitest-environment node
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { post, postBatch, register, start, type Collector } from './helpers';

let collector: Collector;
beforeAll(async () => {
  collector = await start();
});
afterAll(() => collector.close());
beforeEach(() => post(collector, '/micro/reset'));

interface Event {
  id?: string;
  event?: string;
  data: string;
}

/** Reads Server-Sent Events from /micro/stream until `until` says stop. */
async function readStream(until: (events: Event[]) => boolean, headers: Record<string, string> = {}, onOpen?: () => void) {
  const abort = new AbortController();
  const response = await fetch(`${collector.url}/micro/stream`, { headers, signal: abort.signal });
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  onOpen?.();
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: Event[] = [];
  let buffer = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const blocks = buffer.split('\n\n');
    buffer = blocks.pop()!;
    for (const block of blocks) {
      const event: Event = { data: '' };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        if (field === 'id' || field === 'event' || field === 'data') event[field] = rest.join(': ');
      }
      if (!block.startsWith(':')) events.push(event);
    }
  }
  abort.abort();
  return events;
}

describe('GET /micro/stream', () => {
  it('delivers an event for a message received while connected', async () => {
    const sent = register();
    const events = await readStream(
      (e) => e.length >= 1,
      {},
      () => void postBatch(collector, [sent]),
    );
    expect(JSON.parse(events[0].data)).toEqual({ received_at: expect.any(String), status: 'accepted', message: sent });
  });

  it('first replays the messages already received', async () => {
    const first = register();
    const second = register();
    await postBatch(collector, [first, first, second]);
    const events = await readStream((e) => e.length >= 3);
    expect(events.map((e) => JSON.parse(e.data).status)).toEqual(['accepted', 'duplicate', 'accepted']);
  });

  it('replays only what a reconnecting reader missed', async () => {
    await postBatch(collector, [register(), register()]);
    const [seen] = await readStream((e) => e.length >= 1);
    const later = register();
    await postBatch(collector, [later]);

    const events = await readStream((e) => e.length >= 2, { 'Last-Event-ID': seen.id! });
    expect(events.map((e) => JSON.parse(e.data).message.id)).toEqual([expect.any(String), later.id]);
    expect(events[0].id).not.toBe(seen.id);
  });

  it('tells a reader whose place was lost to a reset to start again', async () => {
    await postBatch(collector, [register()]);
    const [seen] = await readStream((e) => e.length >= 1);
    await post(collector, '/micro/reset');
    const events = await readStream((e) => e.length >= 1, { 'Last-Event-ID': seen.id! });
    expect(events[0].event).toBe('reset');
  });
});
