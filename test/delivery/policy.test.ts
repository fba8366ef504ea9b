// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import {
  RETRY_POLICY,
  backoffMs,
  decide,
  isRetryable,
  parseRetryAfter,
  type Attempt,
  type Outcome,
} from '../../src/delivery/policy';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const first = (random = () => 0.5): Attempt => ({ failures: 1, elapsedMs: 0, now: NOW, random });
const status = (code: number, retryAfter?: string): Outcome => ({ kind: 'status', status: code, retryAfter });

describe('isRetryable', () => {
  const rows: [number, boolean][] = [
    [408, true],
    [425, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [599, true],
    [501, false],
    [505, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [413, false],
    [422, false],
  ];
  for (const [code, retry] of rows) {
    it(`${retry ? 'retries' : 'never retries'} ${code}`, () => expect(isRetryable(code)).toBe(retry));
  }
});

describe('decide', () => {
  it('is done with an answer', () => {
    expect(decide({ kind: 'answer', results: [] }, first())).toEqual({ action: 'done' });
  });

  it('splits the batch on 413', () => {
    expect(decide(status(413), first())).toEqual({ action: 'split' });
  });

  const drops: [number, string][] = [
    [400, 'the API answered 400'],
    [401, 'the API answered 401'],
    [403, 'the API answered 403'],
    [404, 'the API answered 404'],
    [501, 'the API answered 501'],
    [505, 'the API answered 505'],
  ];
  for (const [code, reason] of drops) {
    it(`drops the batch on ${code}`, () => expect(decide(status(code), first())).toEqual({ action: 'drop', reason }));
  }

  it('gives the reason the API sent with a drop', () => {
    expect(decide({ kind: 'status', status: 400, reason: 'unreadable JSON' }, first())).toEqual({
      action: 'drop',
      reason: 'the API answered 400: unreadable JSON',
    });
  });

  for (const code of [408, 425, 429, 500, 502, 503, 504]) {
    it(`retries ${code} after a backoff`, () => {
      expect(decide(status(code), first(() => 0.5))).toEqual({ action: 'retry', delayMs: 500 });
    });
  }

  it('retries a network error', () => {
    expect(decide({ kind: 'network', reason: 'Failed to fetch' }, first(() => 0.25))).toEqual({ action: 'retry', delayMs: 250 });
  });

  describe('Retry-After', () => {
    it('waits the seconds it asks for', () => {
      expect(decide(status(503, '7'), first(() => 0))).toEqual({ action: 'retry', delayMs: 7_000 });
    });

    it('waits until the HTTP date it gives', () => {
      const at = new Date(NOW + 30_000).toUTCString();
      expect(decide(status(429, at), first(() => 0))).toEqual({ action: 'retry', delayMs: 30_000 });
    });

    it('never waits less than the backoff', () => {
      expect(decide(status(503, '0'), first(() => 0.5))).toEqual({ action: 'retry', delayMs: 500 });
    });

    it(`is capped at ${RETRY_POLICY.maxRetryAfterMs} ms`, () => {
      expect(decide(status(503, '86400'), first(() => 0))).toEqual({ action: 'retry', delayMs: RETRY_POLICY.maxRetryAfterMs });
      const far = new Date(NOW + 7 * 86_400_000).toUTCString();
      expect(decide(status(503, far), first(() => 0))).toEqual({ action: 'retry', delayMs: RETRY_POLICY.maxRetryAfterMs });
    });

    for (const header of ['soon', '-1', '1.5', '']) {
      it(`leaves the backoff alone when it reads ${JSON.stringify(header)}`, () => {
        expect(decide(status(503, header), first(() => 0.5))).toEqual({ action: 'retry', delayMs: 500 });
      });
    }
  });

  describe('budget', () => {
    it(`parks after ${RETRY_POLICY.maxAttempts} failed attempts in a row, not one more`, () => {
      const attempt = (failures: number): Attempt => ({ failures, elapsedMs: 1_000, now: NOW, random: () => 0 });
      expect(decide(status(503), attempt(RETRY_POLICY.maxAttempts - 1)).action).toBe('retry');
      expect(decide(status(503), attempt(RETRY_POLICY.maxAttempts))).toEqual({
        action: 'park',
        reason: `status 503, after ${RETRY_POLICY.maxAttempts} attempts`,
      });
    });

    it('parks once the failures have lasted longer than the time budget', () => {
      const attempt: Attempt = { failures: 3, elapsedMs: RETRY_POLICY.maxElapsedMs + 1, now: NOW, random: () => 0 };
      expect(decide({ kind: 'network', reason: 'offline' }, attempt)).toEqual({
        action: 'park',
        reason: 'network error (offline), after 3 attempts',
      });
      expect(decide(status(503), { ...attempt, elapsedMs: RETRY_POLICY.maxElapsedMs }).action).toBe('retry');
    });

    it('still drops what can never succeed, whatever the budget', () => {
      const spent: Attempt = { failures: 99, elapsedMs: RETRY_POLICY.maxElapsedMs * 2, now: NOW, random: () => 0 };
      expect(decide(status(400), spent).action).toBe('drop');
    });
  });
});

describe('backoffMs', () => {
  // Full jitter: a random wait in [0, ceiling), the ceiling doubling from baseDelayMs up to maxDelayMs.
  const rows: [failures: number, ceiling: number][] = [
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [5, 16_000],
    [6, 30_000],
    [20, 30_000],
  ];
  for (const [failures, ceiling] of rows) {
    it(`waits from 0 to under ${ceiling} ms after ${failures} failures`, () => {
      expect(backoffMs(failures, () => 0)).toBe(0);
      const top = backoffMs(failures, () => 0.999);
      expect(top).toBeLessThan(ceiling);
      expect(top).toBe(Math.floor(0.999 * ceiling));
    });
  }
});

describe('parseRetryAfter', () => {
  const rows: [header: string | null | undefined, ms: number | undefined][] = [
    ['120', 120_000],
    [' 3 ', 3_000],
    ['0', 0],
    [new Date(NOW + 5_000).toUTCString(), 5_000],
    [new Date(NOW - 5_000).toUTCString(), 0],
    ['later', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ];
  for (const [header, ms] of rows) {
    it(`reads ${JSON.stringify(header)} as ${ms} ms`, () => expect(parseRetryAfter(header, NOW)).toBe(ms));
  }
});
