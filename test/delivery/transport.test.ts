// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { batchBody, browserTransport } from '../../src/delivery/transport';

const URL = 'https://api.flamefy.example/v1/batch';

afterEach(() => vi.unstubAllGlobals());

function answering(response: Response | Error) {
  const fetch = vi.fn(async () => {
    if (response instanceof Error) throw response;
    return response;
  });
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

describe('batchBody', () => {
  it('wraps the messages, as serialised, with the send time', () => {
    expect(batchBody(['{"id":"a"}', '{"id":"b"}'], Date.UTC(2026, 11, 3, 18, 58, 42))).toBe(
      '{"sent_at":"2026-12-03T18:58:42.000Z","messages":[{"id":"a"},{"id":"b"}]}',
    );
  });
});

describe('browserTransport.post', () => {
  it('posts text/plain without credentials, keepalive as asked, and reads the results', async () => {
    const fetch = answering(new Response('{"results":[{"id":"a","status":"accepted"}]}', { status: 200 }));
    const outcome = await browserTransport.post(URL, '{"messages":[]}', true);
    expect(outcome).toEqual({ kind: 'answer', results: [{ id: 'a', status: 'accepted' }] });
    expect(fetch).toHaveBeenCalledWith(URL, {
      method: 'POST',
      body: '{"messages":[]}',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      keepalive: true,
      credentials: 'omit',
      mode: 'cors',
    });
  });

  const rows: { as: string; response: Response | Error; outcome: unknown }[] = [
    {
      as: 'a 503 with Retry-After',
      response: new Response('busy', { status: 503, headers: { 'Retry-After': '5' } }),
      outcome: { kind: 'status', status: 503, retryAfter: '5', reason: 'busy' },
    },
    {
      as: 'a 400 with a JSON error',
      response: new Response('{"error":"unreadable body"}', { status: 400 }),
      outcome: { kind: 'status', status: 400, retryAfter: null, reason: 'unreadable body' },
    },
    {
      as: 'a 413 without a body',
      response: new Response(null, { status: 413 }),
      outcome: { kind: 'status', status: 413, retryAfter: null, reason: undefined },
    },
    {
      as: 'a 200 whose body was cut',
      response: new Response('{"results":[', { status: 200 }),
      outcome: { kind: 'network', reason: expect.stringMatching(/^unreadable answer/) },
    },
    {
      as: 'a network failure',
      response: new TypeError('Failed to fetch'),
      outcome: { kind: 'network', reason: 'Failed to fetch' },
    },
  ];
  for (const row of rows) {
    it(`reports ${row.as}`, async () => {
      answering(row.response);
      await expect(browserTransport.post(URL, '{}', false)).resolves.toEqual(row.outcome);
    });
  }

  it('cuts a long reason to 200 characters', async () => {
    answering(new Response('x'.repeat(1_000), { status: 500 }));
    const outcome = (await browserTransport.post(URL, '{}', false)) as { reason: string };
    expect(outcome.reason).toHaveLength(200);
  });
});

describe('browserTransport.beacon', () => {
  it('has no beacon where the browser has no sendBeacon', () => {
    expect(browserTransport.hasBeacon).toBe(false);
    expect(browserTransport.beacon(URL, '{}')).toBe(false);
  });

  it("passes the browser's answer on, and a throw as a refusal", () => {
    const sendBeacon = vi.fn(() => true);
    Object.defineProperty(navigator, 'sendBeacon', { value: sendBeacon, configurable: true });
    try {
      expect(browserTransport.hasBeacon).toBe(true);
      expect(browserTransport.beacon(URL, '{"messages":[]}')).toBe(true);
      expect(sendBeacon).toHaveBeenCalledWith(URL, '{"messages":[]}');
      sendBeacon.mockReturnValueOnce(false);
      expect(browserTransport.beacon(URL, '{}')).toBe(false);
      sendBeacon.mockImplementationOnce(() => {
        throw new TypeError('Illegal invocation');
      });
      expect(browserTransport.beacon(URL, '{}')).toBe(false);
    } finally {
      delete (navigator as { sendBeacon?: unknown }).sendBeacon;
    }
  });
});
