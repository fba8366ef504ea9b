// Stand-ins shared by the unit tests: a transport that records what it is given
// and answers as told, a clock over vitest's fake timers, and page clean-up.
import { vi } from 'vitest';
import type { Clock } from '../../src/delivery/delivery';
import type { Outcome } from '../../src/delivery/policy';
import type { Transport } from '../../src/delivery/transport';
import type { Batch, Message, MessageResult } from '../../src/protocol';

export interface Sent {
  url: string;
  body: string;
  batch: Batch;
  keepalive: boolean;
  /** The fake clock's time when it was handed over. */
  at: number;
}

/** What the API answers for one batch: an outcome, or a promise of one. */
export type Answerer = (batch: Batch) => Outcome | Promise<Outcome>;

/** Accepts every message; registrations get an audience with a token. */
export const acceptAll: Answerer = (batch) => ({ kind: 'answer', results: batch.messages.map((m) => accepted(m)) });

let audienceIds = 0;

export function accepted(message: Message, extra: Partial<MessageResult> = {}): MessageResult {
  const result: MessageResult = { id: message.id, status: 'accepted' };
  if (message.type === 'audience.register' || message.type === 'audience.registerViewer') {
    const id = ++audienceIds;
    result.audience = { id, api_token: `token-${id}` };
  }
  if (message.type === 'event.create') result.event = { id: 9 };
  if (message.type === 'viewer.create') result.viewer = { id: 4 };
  return { ...result, ...extra };
}

export class FakeTransport implements Transport {
  hasBeacon = false;
  readonly posts: Sent[] = [];
  readonly beacons: Sent[] = [];
  /** Requests handed over and not answered yet. */
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    public answer: Answerer = acceptAll,
    /** Whether the browser would take this beacon body. */
    public takeBeacon: (body: string) => boolean = () => true,
  ) {}

  async post(url: string, body: string, keepalive: boolean): Promise<Outcome> {
    const batch = JSON.parse(body) as Batch;
    this.posts.push({ url, body, batch, keepalive, at: Date.now() });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.answer(batch);
    } finally {
      this.inFlight--;
    }
  }

  beacon(url: string, body: string): boolean {
    if (!this.hasBeacon || !this.takeBeacon(body)) return false;
    this.beacons.push({ url, body, batch: JSON.parse(body) as Batch, keepalive: false, at: Date.now() });
    return true;
  }

  /** Every message posted, in order, batch after batch. */
  get messages(): Message[] {
    return this.posts.flatMap((p) => p.batch.messages);
  }

  get beaconed(): Message[] {
    return this.beacons.flatMap((p) => p.batch.messages);
  }
}

/** A promise settled from outside, for answers that come when the test says so. */
export function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The browser clock, read through vitest's fake timers (call vi.useFakeTimers first). */
export const fakeClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function clearCookies(): void {
  for (const pair of document.cookie.split(';')) {
    const name = pair.split('=')[0].trim();
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  }
}

export function resetPage(): void {
  localStorage.clear();
  clearCookies();
}

/** The keys of localStorage that this SDK owns (messages and heartbeats). */
export function flamefyKeys(): string[] {
  const keys: string[] = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i)!;
    if (key.startsWith('flm1')) keys.push(key);
  }
  return keys;
}

/** console.error, silenced and recorded; its lines as strings. */
export function spyErrors(): { lines(): string[] } {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  return { lines: () => spy.mock.calls.map((call) => call.map(String).join(' ')) };
}
