// The sender: takes ready messages from the outbox in batches, one request at a
// time (so the API sees them in capture order), applies the retry policy to what
// comes back, and empties everything by beacon when the page is hidden or left.
import type { Log } from '../log';
import { utf8Length } from '../message';
import type { MessageResult } from '../protocol';
import { rejectEntry, type Entry, type Outbox, type Via } from './outbox';
import { decide, type Outcome } from './policy';
import { batchBody, KEEPALIVE_QUOTA_BYTES, type Transport } from './transport';

export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// Monotonic, in epoch milliseconds: wall time at the page's start, plus the
// time elapsed since. Date.now() jumps when the system clock is corrected (or
// a page replaces it), and a backoff measured against it could stall for as
// long as the jump.
const origin = typeof performance !== 'undefined' && performance.timeOrigin;

export const browserClock: Clock = {
  now: origin ? () => origin + performance.now() : () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

/**
 * How long a beacon counts against the 64 KiB in flight. A beacon never says
 * when it is done; without this, a page that stays hidden would stop sending
 * once 64 KiB had gone. Too short only makes the browser refuse a beacon,
 * which is split, or kept for later.
 */
const BEACON_IN_FLIGHT_MS = 5_000;
/** A fetch body up to this size goes with keepalive, so it outlives the page. */
const KEEPALIVE_MAX_BYTES = 32 * 1024;
// {"sent_at":"2026-12-03T18:58:42.000Z","messages":[]} and the commas between.
const BODY_OVERHEAD = 52;

export interface DeliveryConfig {
  url: string;
  batchSize: number;
  batchWaitMs: number;
  maxBatchBytes: number;
}

export interface DeliveryDeps {
  outbox: Outbox;
  transport: Transport;
  clock: Clock;
  random: () => number;
  log: Log;
  isOnline(): boolean;
  /** Called for each answered message before it leaves the outbox. */
  onResult(entry: Entry, result: MessageResult): void;
}

export interface Delivery {
  /** A message became ready: new, given its identity, or taken over. O(1). */
  ready(): void;
  /** The page is hidden or being left: everything unsent goes now. */
  hide(): void;
  /** Visible again: what went by beacon had no answer, so it goes again by fetch. */
  show(): void;
  /** Back online: no backoff wait stands between the network and the messages. */
  online(): void;
  stop(): void;
}

export function createDelivery(config: DeliveryConfig, deps: DeliveryDeps): Delivery {
  let timer: unknown;
  let timerAt = Infinity;
  let sending = false;
  let failures = 0;
  let failingSince = 0;
  let retryAt = 0;
  let parked = false;
  let hidden = false;
  let leaving = false;
  let stopped = false;
  /** After a 413, batches carry at most this many messages until one succeeds. */
  let splitTo = Infinity;
  /** When the oldest ready message not yet sent began to wait; 0 when none. */
  let openedAt = 0;
  /** Bodies in flight that count against the browser's 64 KiB. */
  let keepaliveBytes = 0;
  let beaconBytes = 0;
  /** Bumped when the page shows again, which forgets every beacon's bytes at once. */
  let beaconEpoch = 0;

  const batchLimit = () => Math.min(config.batchSize, splitTo);
  // sent_at is read by the API against capture times: the wall clock, as those.
  const bodyOf = (batch: Entry[]) => batchBody(batch.map((entry) => entry.json), Date.now());
  /** Bytes that a beacon or a keepalive fetch may still carry. */
  const roomBytes = () => Math.min(config.maxBatchBytes, KEEPALIVE_QUOTA_BYTES - keepaliveBytes - beaconBytes);

  const sent = (batch: Entry[], bytes: number, via: Via) => deps.log.debug(`${batch.length} messages, ${bytes} bytes, by ${via}`);

  const release = (entry: Entry, via: Via) => {
    if (entry.via === via) deps.outbox.setVia(entry, undefined);
  };

  /** Hands a message its answer, then forgets it. */
  const conclude = (entry: Entry, result: MessageResult, reason: string) => {
    deps.onResult(entry, result);
    deps.outbox.remove(entry);
    if (result.status === 'rejected') rejectEntry(entry, reason);
    else if (entry.settle) entry.settle.resolve(result);
  };

  /** Drops messages that can never succeed, with one line for the whole batch. */
  const refuse = (batch: Entry[], reason: string) => {
    deps.log.error(`dropped ${batch.length} message(s): ${reason}`);
    // As good as a rejection: whoever waits on these messages must know.
    for (const entry of batch) conclude(entry, { id: entry.id, status: 'rejected', error: reason }, reason);
  };

  const settle = (batch: Entry[], via: Via, outcome: Outcome) => {
    if (outcome.kind === 'answer' && !Array.isArray(outcome.results)) {
      outcome = { kind: 'network', reason: 'an answer without results' };
    }
    const now = deps.clock.now();
    const decision = decide(outcome, {
      failures: failures + 1,
      elapsedMs: failures ? now - failingSince : 0,
      // For a Retry-After date: the wall clock, as the server's.
      now: Date.now(),
      random: deps.random,
    });
    if (decision.action === 'done') {
      failures = retryAt = 0;
      splitTo = Infinity;
      const byId = new Map<string, MessageResult>();
      for (const result of (outcome as { results: MessageResult[] }).results) {
        if (result && typeof result.id === 'string') byId.set(result.id, result);
      }
      for (const entry of batch) {
        const result = byId.get(entry.id);
        // No answer for it: it goes again with the next batch.
        if (!result) {
          release(entry, via);
          continue;
        }
        const reason = `refused by the API: ${result.error == null ? 'no reason given' : result.error}`;
        if (result.status === 'rejected') deps.log.error(`${entry.message.type}: ${reason}`);
        conclude(entry, result, reason);
      }
      return;
    }
    if (decision.action === 'drop') return refuse(batch, decision.reason);
    if (decision.action === 'split') {
      if (batch.length === 1) return refuse(batch, 'the API answered 413: this message is too large');
      splitTo = Math.ceil(batch.length / 2);
      deps.log.debug(`413: batches of ${splitTo} at most`);
    } else if (decision.action === 'retry') {
      if (!failures) failingSince = now;
      failures++;
      retryAt = now + decision.delayMs;
      deps.log.debug(`retry ${failures} in ${decision.delayMs} ms`, outcome);
    } else {
      parked = true;
      deps.log.debug(`parked: ${decision.reason}`);
    }
    for (const entry of batch) release(entry, via);
  };

  /** Posts a batch, its messages in flight meanwhile; resolves with what came back. */
  const post = async (batch: Entry[], body: string, bytes: number, via: Via): Promise<Outcome> => {
    const keepalive = via === 'keepalive';
    for (const entry of batch) deps.outbox.setVia(entry, via);
    if (keepalive) keepaliveBytes += bytes;
    sent(batch, bytes, via);
    try {
      return await deps.transport.post(config.url, body, keepalive);
    } catch (error) {
      return { kind: 'network', reason: String(error) };
    } finally {
      if (keepalive) keepaliveBytes -= bytes;
    }
  };

  const flush = async () => {
    // Offline, no attempt is spent: the online event brings us back.
    if (sending || parked || hidden || stopped || !deps.isOnline()) return;
    if (deps.clock.now() < retryAt) return armAt(retryAt);
    const batch = deps.outbox.takeReady(batchLimit(), config.maxBatchBytes);
    // What this batch leaves behind has waited since openedAt already.
    if (deps.outbox.readyCount === batch.length) openedAt = 0;
    if (!batch.length) return;
    const body = bodyOf(batch);
    const bytes = utf8Length(body);
    const via = bytes <= KEEPALIVE_MAX_BYTES && keepaliveBytes + bytes <= KEEPALIVE_QUOTA_BYTES ? 'keepalive' : 'fetch';
    sending = true;
    const outcome = await post(batch, body, bytes, via);
    sending = false;
    if (stopped) return;
    settle(batch, via, outcome);
    schedule();
  };

  const armAt = (at: number) => {
    // timerAt is Infinity when no timer is set.
    if (stopped || timerAt <= at) return;
    deps.clock.clearTimeout(timer);
    timerAt = at;
    timer = deps.clock.setTimeout(
      () => {
        timer = undefined;
        timerAt = Infinity;
        void flush();
      },
      Math.max(0, at - deps.clock.now()),
    );
  };

  /** Arms the timer for the next batch: after a backoff, at once when full, else batchWaitMs after the oldest. */
  const schedule = () => {
    const ready = deps.outbox.readyCount;
    if (parked || hidden || stopped || !ready) return;
    const now = deps.clock.now();
    if (retryAt > now) return armAt(retryAt);
    if (ready >= batchLimit()) return armAt(now);
    if (!openedAt) openedAt = now;
    armAt(openedAt + config.batchWaitMs);
  };

  /**
   * Sends chunk by beacon, or by keepalive fetch where there is no beacon. A
   * refused one is split and tried again; false when nothing more can go now.
   */
  const leaveWith = (chunk: Entry[]): boolean => {
    const body = bodyOf(chunk);
    const bytes = utf8Length(body);
    if (bytes <= roomBytes()) {
      if (!deps.transport.hasBeacon) {
        void post(chunk, body, bytes, 'keepalive').then((outcome) => stopped || settle(chunk, 'keepalive', outcome));
        return true;
      }
      if (deps.transport.beacon(config.url, body)) {
        beaconBytes += bytes;
        const epoch = beaconEpoch;
        deps.clock.setTimeout(() => {
          if (epoch !== beaconEpoch || stopped) return;
          beaconBytes -= bytes;
          // Still hidden: what waited for room goes now.
          if (hidden) leave();
        }, BEACON_IN_FLIGHT_MS);
        for (const entry of chunk) deps.outbox.setVia(entry, 'beacon');
        sent(chunk, bytes, 'beacon');
        return true;
      }
    }
    if (chunk.length === 1) {
      deps.log.debug(`${chunk[0].id}: left for the next page`);
      return false;
    }
    const half = Math.ceil(chunk.length / 2);
    return leaveWith(chunk.slice(0, half)) && leaveWith(chunk.slice(half));
  };

  /**
   * Sends everything not yet safely on its way, in chunks that keep beacons and
   * keepalive fetches in flight under the browser's 64 KiB; what cannot go
   * stays stored for the next page.
   */
  const leave = () => {
    // Offline, a beacon is an attempt spent for nothing: what is stored waits
    // for the next page, or for the network to come back.
    if (stopped || !deps.isOnline()) return;
    let chunk: Entry[] = [];
    let size = BODY_OVERHEAD;
    for (const entry of deps.outbox.values()) {
      // A plain fetch in flight dies with the page; a keepalive one does not.
      if (entry.after || (entry.via && entry.via !== 'fetch')) continue;
      if (chunk.length && size + entry.bytes + 1 > roomBytes()) {
        if (!leaveWith(chunk)) return;
        chunk = [];
        size = BODY_OVERHEAD;
      }
      chunk[chunk.length] = entry;
      size += entry.bytes + 1;
    }
    if (chunk.length) leaveWith(chunk);
  };

  return {
    ready() {
      if (stopped) return;
      // Pushed while leaving: out at once, once this task's pushes are in (one
      // pass over the outbox for all of them, not one each).
      if (hidden) {
        if (!leaving) {
          leaving = true;
          Promise.resolve().then(() => {
            leaving = false;
            leave();
          });
        }
        return;
      }
      if (!openedAt) openedAt = deps.clock.now();
      schedule();
    },
    hide() {
      hidden = true;
      leave();
    },
    show() {
      hidden = parked = false;
      beaconBytes = 0;
      beaconEpoch++;
      for (const entry of deps.outbox.values()) release(entry, 'beacon');
      schedule();
    },
    online() {
      parked = false;
      retryAt = 0;
      armAt(deps.clock.now());
    },
    stop() {
      stopped = true;
      deps.clock.clearTimeout(timer);
    },
  };
}
