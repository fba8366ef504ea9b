/**
 * What the collector accepts, as the Flamefy API does (CONTRACT.md section 6).
 * Past a limit the request is answered with an error status, never cut silently.
 */
export const COLLECTOR_LIMITS = Object.freeze({
  /** Largest batch body, in bytes: past it, 413 and the connection is closed. */
  maxBodyBytes: 1024 * 1024,
  /** Most messages in one batch: past it, the whole batch is refused with 413. */
  maxBatchMessages: 1000,
  /** Time to receive a whole batch body, from the request's start: past it, 408. */
  bodyTimeoutMs: 10 * 1000,
  /** Time to receive the request headers: past it, Node answers 408 and closes. */
  headersTimeoutMs: 10 * 1000,
  /** Largest body on the test API (a fault rule), in bytes. */
  maxControlBytes: 16 * 1024,
  /** Longest delay a fault rule may ask for, in milliseconds. */
  maxFaultDelayMs: 10 * 60 * 1000,
});
