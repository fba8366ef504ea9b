// What to do after a send, as data and pure functions: the clock and the random
// source come in as arguments, so tests never sleep.

/** Answers that may succeed when asked again, besides network errors. */
export const RETRY_STATUSES = [408, 425, 429];
/** 5xx answers that never will: the server says it cannot do this at all. */
export const NEVER_RETRY_5XX = [501, 505, 506, 508, 510];

/** The numbers of the retry policy; a const enum, so the build writes each where it is used. */
export const enum RETRY_POLICY {
  /** First backoff ceiling; it doubles with each failure (full jitter below it). */
  baseDelayMs = 1000,
  /** Longest single wait from backoff alone. */
  maxDelayMs = 30_000,
  /** Longest wait a Retry-After header may impose. */
  maxRetryAfterMs = 120_000,
  /** Attempts in a row, and time since the first failure, before this page gives up:
   * the messages stay stored, and the next page (or the network coming back) goes on. */
  maxAttempts = 10,
  maxElapsedMs = 10 * 60_000,
}

export type Outcome =
  | { kind: 'answer'; results: unknown }
  | { kind: 'status'; status: number; retryAfter?: string | null; reason?: string }
  | { kind: 'network'; reason: string };

export type Decision =
  | { action: 'done' }
  | { action: 'retry'; delayMs: number }
  | { action: 'split' }
  | { action: 'drop'; reason: string }
  | { action: 'park'; reason: string };

export interface Attempt {
  /** Failures in a row, this one included. */
  failures: number;
  /** Milliseconds since the first of them. */
  elapsedMs: number;
  now: number;
  random: () => number;
}

export function isRetryable(status: number): boolean {
  return status >= 500 ? !NEVER_RETRY_5XX.includes(status) : RETRY_STATUSES.includes(status);
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110, 10.2.3). */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with full jitter (a random wait below a doubling ceiling). */
export function backoffMs(failures: number, random: () => number): number {
  return Math.floor(random() * Math.min(RETRY_POLICY.maxDelayMs, RETRY_POLICY.baseDelayMs * 2 ** (failures - 1)));
}

export function decide(outcome: Outcome, attempt: Attempt): Decision {
  if (outcome.kind === 'answer') return { action: 'done' };
  if (outcome.kind === 'status') {
    if (outcome.status === 413) return { action: 'split' };
    if (!isRetryable(outcome.status)) {
      return { action: 'drop', reason: `the API answered ${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}` };
    }
  }
  const { failures } = attempt;
  if (failures >= RETRY_POLICY.maxAttempts || attempt.elapsedMs > RETRY_POLICY.maxElapsedMs) {
    const what = outcome.kind === 'network' ? `network error (${outcome.reason})` : `status ${outcome.status}`;
    return { action: 'park', reason: `${what}, after ${failures} attempts` };
  }
  const asked = outcome.kind === 'status' ? parseRetryAfter(outcome.retryAfter, attempt.now) : undefined;
  const delayMs = backoffMs(failures, attempt.random);
  return { action: 'retry', delayMs: asked === undefined ? delayMs : Math.max(delayMs, Math.min(asked, RETRY_POLICY.maxRetryAfterMs)) };
}
