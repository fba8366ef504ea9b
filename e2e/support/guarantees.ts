// Helpers for the delivery-guarantee specs (retry, unload, tabs): what the
// browser sent, what the page still keeps, and the closing check that the
// collector stored every expected message exactly once and nothing else.
import type { BrowserContext, Page, Request } from '@playwright/test';
import { expect, type Collector, type Received } from './fixtures';

/** An audience the tests' commands name by external id. */
export const ADA = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', external_id: 'ext-ada' };
export const BY_ADA = { external_id: ADA.external_id };

/** 64 KiB: what Chromium lets beacons and keepalive fetches carry in flight. */
export const KEEPALIVE_QUOTA = 64 * 1024;

/** Pushes `count` tag.add commands for ADA, tagged `${prefix}0`, `${prefix}1`, … */
export const pushTags = (prefix: string, count: number) =>
  `for (var i = 0; i < ${count}; i++) flmq.push(['tag.add', '${prefix}' + i, ${JSON.stringify(BY_ADA)}]);`;

export const tags = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

// ---------------------------------------------------------------------------
// Requests as Playwright sees them.

export interface BatchRequest {
  /** Browser wall-clock time the request started, in ms since the epoch. */
  startedAt: number;
  /** When its answer ended (startedAt + responseEnd), once finished. */
  answeredAt?: number;
  status?: number;
  failure?: string;
  bytes: number;
  ids: string[];
  resourceType: string;
  pageUrl: string;
}

const idsOf = (body: string | null): string[] => {
  try {
    return (JSON.parse(body ?? '') as { messages: { id: string }[] }).messages.map((m) => m.id);
  } catch {
    return [];
  }
};

/**
 * Every POST {collector}/v1/batch that Playwright reports in this context, in
 * the order the browser started them. Chromium does not report to Playwright
 * (nor to a CDP session on the page) the beacons a document sends while it is
 * being replaced by a navigation: `recordTransport` below sees those.
 */
export function watchBatches(context: BrowserContext, collector: Collector): BatchRequest[] {
  const seen: BatchRequest[] = [];
  const byRequest = new Map<Request, BatchRequest>();
  context.on('request', (request) => {
    if (request.method() !== 'POST' || request.url() !== `${collector.url}/v1/batch`) return;
    const body = request.postDataBuffer();
    const entry: BatchRequest = {
      startedAt: request.timing().startTime,
      bytes: body?.length ?? 0,
      ids: idsOf(body?.toString('utf8') ?? null),
      resourceType: request.resourceType(),
      pageUrl: request.frame()?.url() ?? '',
    };
    byRequest.set(request, entry);
    seen.push(entry);
  });
  context.on('requestfinished', async (request) => {
    const entry = byRequest.get(request);
    if (!entry) return;
    const timing = request.timing();
    entry.startedAt = timing.startTime;
    entry.answeredAt = timing.startTime + timing.responseEnd;
    entry.status = (await request.response())?.status();
  });
  context.on('requestfailed', (request) => {
    const entry = byRequest.get(request);
    if (entry) entry.failure = request.failure()?.errorText ?? 'failed';
  });
  return seen;
}

// ---------------------------------------------------------------------------
// Requests as the page asked for them.

export interface TransportCall {
  via: 'beacon' | 'fetch';
  keepalive: boolean;
  /** UTF-8 bytes of the body. */
  bytes: number;
  /** For a beacon: what sendBeacon returned (false: the browser refused it). */
  accepted: boolean;
  ids: string[];
  /** The page that asked, and whether the browser said it was online. */
  path: string;
  online: boolean;
  at: number;
  /** For a fetch: when its promise settled in the page, by the page's own clock. */
  answeredAt?: number;
  /** For a fetch: whether it failed, as the page saw it (it may still have reached the API). */
  failed?: boolean;
}

const TRANSPORT_KEY = 'e2e:transport';

/**
 * Records every sendBeacon and every fetch to /v1/batch, as the page calls
 * them, into localStorage (written synchronously, so a page being left still
 * records its last beacons). Pure observation: the original is called with the
 * same arguments and its result returned. The SDK calls `navigator.sendBeacon`
 * and `window.fetch` at send time, so it goes through these.
 */
export async function recordTransport(context: BrowserContext): Promise<void> {
  await context.addInitScript((key: string) => {
    const update = (change: (list: Record<string, unknown>[]) => void) => {
      try {
        const list = JSON.parse(localStorage.getItem(key) || '[]');
        change(list);
        localStorage.setItem(key, JSON.stringify(list));
      } catch {
        // Observation must never change what the page does.
      }
    };
    /** Records a call; returns a function that stamps its answer. */
    const record = (call: Record<string, unknown>) => {
      const at = Date.now();
      const stamp = `${at}:${Math.random()}`;
      update((list) => list.push({ ...call, path: location.pathname, online: navigator.onLine, at, stamp }));
      return (failed: boolean) => {
        const answeredAt = Date.now();
        update((list) => {
          const entry = list.find((c) => c.stamp === stamp);
          if (entry) Object.assign(entry, { answeredAt, failed });
        });
      };
    };
    const describeBody = (body: unknown) => {
      const text = typeof body === 'string' ? body : '';
      let ids: string[] = [];
      try {
        ids = JSON.parse(text).messages.map((m: { id: string }) => m.id);
      } catch {
        // Not a batch.
      }
      return { bytes: new TextEncoder().encode(text).length, ids };
    };
    const beacon = navigator.sendBeacon;
    if (typeof beacon === 'function') {
      navigator.sendBeacon = function (url: string | URL, body?: BodyInit | null) {
        const accepted = beacon.call(navigator, url, body);
        if (String(url).endsWith('/v1/batch')) record({ via: 'beacon', keepalive: true, accepted, ...describeBody(body) });
        return accepted;
      };
    }
    const fetch = window.fetch;
    window.fetch = function (input: RequestInfo | URL, init?: RequestInit) {
      const sent = fetch.call(window, input, init);
      if (String(input instanceof Request ? input.url : input).endsWith('/v1/batch')) {
        const answered = record({ via: 'fetch', keepalive: !!init?.keepalive, accepted: true, ...describeBody(init?.body) });
        sent.then(() => answered(false), () => answered(true));
      }
      return sent;
    } as typeof window.fetch;
  }, TRANSPORT_KEY);
}

/** What recordTransport has recorded in this context's localStorage so far. */
export async function transportCalls(page: Page): Promise<TransportCall[]> {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) || '[]'), TRANSPORT_KEY);
}

// ---------------------------------------------------------------------------
// What the page keeps.

/**
 * The ids among `ids` that the site's localStorage still holds anywhere, in a
 * key or a value: a message the SDK still means to send. It does not depend
 * on how the SDK names its keys.
 */
export async function idsStillStored(page: Page, ids: string[]): Promise<string[]> {
  return page.evaluate(
    ([ids, skip]) => {
      const held = new Set<string>();
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i)!;
        if (key === skip) continue;
        const text = key + (localStorage.getItem(key) ?? '');
        for (const id of ids) if (text.includes(id)) held.add(id);
      }
      return [...held];
    },
    [ids, TRANSPORT_KEY] as const,
  );
}

/** The collector's pending fault rules. */
export async function pendingFaults(collector: Collector): Promise<unknown[]> {
  const response = await fetch(`${collector.url}/micro/faults`);
  const body = (await response.json()) as { faults?: unknown[] } | unknown[];
  return Array.isArray(body) ? body : (body.faults ?? []);
}

// ---------------------------------------------------------------------------
// The closing check.

export interface StoredOnce {
  /** How many messages the collector must have stored (accepted). */
  accepted: number;
  /** How many it must have refused; 0 unless given. */
  rejected?: number;
  /**
   * Ids that may come back and be answered `duplicate` (a beacon had no answer,
   * a connection was dropped after storing). Any other duplicate fails.
   */
  duplicatesAllowedFor?: Iterable<string>;
}

/**
 * Every message the pages sent, once the expected ones are in: each accepted id
 * once, the counts exact, duplicates only of accepted ids and only where allowed.
 * Returns the accepted messages in arrival order.
 */
export async function expectStoredOnce(collector: Collector, expected: StoredOnce): Promise<Record<string, any>[]> {
  await collector.accepted(expected.accepted);
  const received: Received[] = await collector.messages();
  const accepted = received.filter((r) => r.status === 'accepted').map((r) => r.message);
  const rejected = received.filter((r) => r.status === 'rejected');
  const duplicates = received.filter((r) => r.status === 'duplicate').map((r) => r.message.id as string);
  const acceptedIds = accepted.map((m) => m.id as string);

  expect(new Set(acceptedIds).size, 'every accepted id is unique').toBe(acceptedIds.length);
  expect(accepted.length, 'stored messages').toBe(expected.accepted);
  expect(rejected.length, 'rejected messages').toBe(expected.rejected ?? 0);
  const allowed = new Set(expected.duplicatesAllowedFor ?? []);
  expect(
    duplicates.filter((id) => !allowed.has(id)),
    'messages answered duplicate where no duplicate was expected',
  ).toEqual([]);
  expect(
    duplicates.filter((id) => !acceptedIds.includes(id)),
    'a duplicate answer is only ever for a stored message',
  ).toEqual([]);
  return accepted;
}
