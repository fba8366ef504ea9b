// @vitest-environment jsdom
// The bundle installs itself on window once per page: this file is one page.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Batch, Message } from '../src/protocol';
import { accepted, resetPage, spyErrors } from './support/fakes';

const API = 'https://api.flamefy.example';
const received: Message[] = [];
const win = window as unknown as { flmq: unknown[] };

beforeAll(() => {
  vi.useFakeTimers();
  resetPage();
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: string, init: RequestInit) => {
      const batch = JSON.parse(String(init.body)) as Batch;
      received.push(...batch.messages);
      return new Response(JSON.stringify({ results: batch.messages.map((m) => accepted(m)) }), { status: 200 });
    }),
  );
});

afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  resetPage();
});

describe('the browser bundle', () => {
  it('runs what the loader queued, in order, and what is pushed after', async () => {
    const errors = spyErrors();
    const queue = [
      ['tag.add', 'early', { flm_api_token: 'tok' }],
      ['init', { apiUrl: API }],
      ['tag.add', 42],
    ];
    win.flmq = queue;
    await import('../src/browser');
    expect(win.flmq).toBe(queue);
    win.flmq.push(['tag.add', 'late', { flm_api_token: 'tok' }]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(received.map((m) => (m as { tag: string }).tag)).toEqual(['early', 'late']);
    expect(errors.lines()).toEqual([
      '[flamefy] tag.add: argument 1 (tag): Expected a non-empty string of at most 128 characters, but received: 42',
    ]);
  });

  it('does nothing when a second copy loads', async () => {
    const push = win.flmq.push;
    vi.resetModules();
    await import('../src/browser');
    expect(win.flmq.push).toBe(push);
    win.flmq.push(['tag.add', 'once', { flm_api_token: 'tok' }]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(received.filter((m) => (m as { tag: string }).tag === 'once')).toHaveLength(1);
  });
});
