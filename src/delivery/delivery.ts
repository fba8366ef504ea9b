// The sender: takes ready messages from the outbox in batches, one request at a
// time (so the API sees them in capture order), applies the retry policy to what
// comes back, and empties everything by beacon when the page is hidden or left.
import { FlmError, type Log } from '../log';
import { utf8Length } from '../message';
import type { MessageResult } from '../protocol';
import type { Entry, Outbox, Via } from './outbox';
import { decide, type Outcome } from './policy';
import { batchBody, KEEPALIVE_QUOTA_BYTES, type Transport } from './transport';

export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

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

export class Delivery {
  private timer: unknown = undefined;
  private timerAt = Infinity;
  private sending = false;
  private failures = 0;
  private failingSince = 0;
  private retryAt = 0;
  private parked = false;
  private hidden = false;
  private stopped = false;
  /** After a 413, batches carry at most this many messages until one succeeds. */
  private splitTo = Infinity;
  /** When the oldest ready message not yet sent began to wait; 0 when none. */
  private openedAt = 0;
  private keepaliveBytes = 0;
  private beaconBytes = 0;

  constructor(
    private readonly config: DeliveryConfig,
    private readonly deps: DeliveryDeps,
  ) {}

  /** A message became ready: new, given its identity, or taken over. O(1). */
  ready(): void {
    if (this.stopped) return;
    if (this.hidden) {
      // Pushed while leaving: out at once, once this task's pushes are in.
      Promise.resolve().then(() => this.leave());
      return;
    }
    const now = this.deps.clock.now();
    if (!this.openedAt) this.openedAt = now;
    if (this.deps.outbox.readyCount >= this.batchLimit()) this.armAt(now);
    else this.armAt(this.openedAt + this.config.batchWaitMs);
  }

  /** The page is hidden or being left: everything unsent goes now. */
  hide(): void {
    this.hidden = true;
    this.leave();
  }

  /** Visible again: what went by beacon had no answer, so it goes again by fetch. */
  show(): void {
    this.hidden = false;
    this.parked = false;
    this.beaconBytes = 0;
    for (const entry of this.deps.outbox.values()) this.release(entry, 'beacon');
    this.afterSend();
  }

  /** Back online: no backoff wait stands between the network and the messages. */
  online(): void {
    this.parked = false;
    this.retryAt = 0;
    this.armAt(this.deps.clock.now());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  flush(): void {
    if (this.sending || this.parked || this.hidden || this.stopped) return;
    // Offline, no attempt is spent: the online event brings us back.
    if (!this.deps.isOnline()) return;
    const now = this.deps.clock.now();
    if (now < this.retryAt) return this.armAt(this.retryAt);
    const { outbox } = this.deps;
    const batch = outbox.takeReady(this.batchLimit(), this.config.maxBatchBytes);
    if (!batch.length) {
      this.openedAt = 0;
      return;
    }
    // What this batch leaves behind has waited since openedAt already.
    if (outbox.readyCount === batch.length) this.openedAt = 0;
    void this.send(batch);
  }

  private batchLimit(): number {
    return Math.min(this.config.batchSize, this.splitTo);
  }

  private async send(batch: Entry[]): Promise<void> {
    const { clock, outbox, transport, log } = this.deps;
    const body = batchBody(
      batch.map((e) => e.json),
      clock.now(),
    );
    const bytes = utf8Length(body);
    const keepalive = bytes <= KEEPALIVE_MAX_BYTES && this.keepaliveBytes + bytes <= KEEPALIVE_QUOTA_BYTES;
    const via: Via = keepalive ? 'keepalive' : 'fetch';
    for (const entry of batch) outbox.setVia(entry, via);
    this.sending = true;
    if (keepalive) this.keepaliveBytes += bytes;
    log.debug(`batch: ${batch.length} messages, ${bytes} bytes, by ${via}`);
    let outcome: Outcome;
    try {
      outcome = await transport.post(this.config.url, body, keepalive);
    } catch (error) {
      outcome = { kind: 'network', reason: String(error) };
    }
    this.sending = false;
    if (keepalive) this.keepaliveBytes -= bytes;
    if (this.stopped) return;
    this.settle(batch, via, outcome);
    this.afterSend();
  }

  private settle(batch: Entry[], via: Via, outcome: Outcome): void {
    const { clock, log, random } = this.deps;
    if (outcome.kind === 'answer' && !Array.isArray(outcome.results)) {
      outcome = { kind: 'network', reason: 'an answer without results' };
    }
    const now = clock.now();
    const decision = decide(outcome, {
      failures: this.failures + 1,
      elapsedMs: this.failures ? now - this.failingSince : 0,
      now,
      random,
    });
    switch (decision.action) {
      case 'done':
        this.failures = 0;
        this.retryAt = 0;
        this.splitTo = Infinity;
        this.apply(batch, via, (outcome as { results: MessageResult[] }).results);
        return;
      case 'split':
        if (batch.length === 1) return this.refuse(batch, 'the API answered 413: this message is too large');
        this.splitTo = Math.ceil(batch.length / 2);
        log.debug(`413: batches now carry at most ${this.splitTo} messages`);
        for (const entry of batch) this.release(entry, via);
        return;
      case 'drop':
        return this.refuse(batch, decision.reason);
      case 'retry':
        if (!this.failures) this.failingSince = now;
        this.failures++;
        this.retryAt = now + decision.delayMs;
        log.debug(`retry ${this.failures} of ${batch.length} messages in ${decision.delayMs} ms`, outcome);
        for (const entry of batch) this.release(entry, via);
        return;
      case 'park':
        this.parked = true;
        log.debug(`giving up on this page (${decision.reason}); the messages stay stored for the next one`);
        for (const entry of batch) this.release(entry, via);
    }
  }

  private apply(batch: Entry[], via: Via, results: MessageResult[]): void {
    const { outbox, log, onResult } = this.deps;
    const byId = new Map<string, MessageResult>();
    for (const result of results) if (result && typeof result.id === 'string') byId.set(result.id, result);
    for (const entry of batch) {
      const result = byId.get(entry.id);
      // No answer for it: it goes again with the next batch.
      if (!result) {
        this.release(entry, via);
        continue;
      }
      const reason = `refused by the API: ${result.error ?? 'no reason given'}`;
      if (result.status === 'rejected') log.error(`${entry.message.type}: ${reason}`);
      onResult(entry, result);
      outbox.remove(entry);
      if (result.status === 'rejected') entry.settle?.reject(new FlmError(entry.message.type, reason));
      else entry.settle?.resolve(result);
    }
  }

  /** Drops messages that can never succeed, with one line for the whole batch. */
  private refuse(batch: Entry[], reason: string): void {
    this.deps.log.error(`a batch of ${batch.length} messages was dropped: ${reason}`);
    for (const entry of batch) {
      // As good as a rejection: whoever waits on this message must know.
      this.deps.onResult(entry, { id: entry.id, status: 'rejected', error: reason });
      this.deps.outbox.remove(entry);
      entry.settle?.reject(new FlmError(entry.message.type, reason));
    }
  }

  private release(entry: Entry, via: Via): void {
    if (entry.via === via) this.deps.outbox.setVia(entry, undefined);
  }

  private afterSend(): void {
    if (this.parked || this.hidden || this.stopped) return;
    const now = this.deps.clock.now();
    const ready = this.deps.outbox.readyCount;
    if (!ready) return;
    if (this.retryAt > now) return this.armAt(this.retryAt);
    if (ready >= this.batchLimit()) return this.armAt(now);
    if (!this.openedAt) this.openedAt = now;
    this.armAt(this.openedAt + this.config.batchWaitMs);
  }

  private armAt(at: number): void {
    if (this.stopped) return;
    const { clock } = this.deps;
    if (this.timer !== undefined) {
      if (this.timerAt <= at) return;
      clock.clearTimeout(this.timer);
    }
    this.timerAt = at;
    this.timer = clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.flush();
      },
      Math.max(0, at - clock.now()),
    );
  }

  /**
   * Sends everything not yet safely on its way, in chunks that keep beacons and
   * keepalive fetches in flight under the browser's 64 KiB. A refused beacon is
   * split and tried again; what still cannot go stays stored for the next page.
   */
  private leave(): void {
    if (this.stopped) return;
    const pending: Entry[] = [];
    // A plain fetch in flight dies with the page; a keepalive one does not.
    for (const entry of this.deps.outbox.values()) {
      if (!entry.after && (entry.via === undefined || entry.via === 'fetch')) pending[pending.length] = entry;
    }
    let chunk: Entry[] = [];
    let size = BODY_OVERHEAD;
    for (const entry of pending) {
      if (chunk.length && size + entry.bytes + 1 > this.chunkBytes()) {
        if (!this.leaveWith(chunk)) return;
        chunk = [];
        size = BODY_OVERHEAD;
      }
      chunk[chunk.length] = entry;
      size += entry.bytes + 1;
    }
    if (chunk.length) this.leaveWith(chunk);
  }

  private chunkBytes(): number {
    return Math.min(this.config.maxBatchBytes, KEEPALIVE_QUOTA_BYTES - this.keepaliveBytes - this.beaconBytes);
  }

  /** False when nothing more can go now. */
  private leaveWith(chunk: Entry[]): boolean {
    const { clock, outbox, transport, log } = this.deps;
    const body = batchBody(
      chunk.map((e) => e.json),
      clock.now(),
    );
    const bytes = utf8Length(body);
    const fits = bytes <= this.chunkBytes();
    if (fits && transport.hasBeacon && transport.beacon(this.config.url, body)) {
      this.beaconBytes += bytes;
      for (const entry of chunk) outbox.setVia(entry, 'beacon');
      log.debug(`beacon: ${chunk.length} messages, ${bytes} bytes`);
      return true;
    }
    if (fits && !transport.hasBeacon) {
      for (const entry of chunk) outbox.setVia(entry, 'keepalive');
      this.keepaliveBytes += bytes;
      log.debug(`keepalive fetch (no beacon): ${chunk.length} messages, ${bytes} bytes`);
      void transport.post(this.config.url, body, true).then(
        (outcome) => {
          this.keepaliveBytes -= bytes;
          if (!this.stopped) this.settle(chunk, 'keepalive', outcome);
        },
        () => (this.keepaliveBytes -= bytes),
      );
      return true;
    }
    if (chunk.length === 1) {
      log.debug(`could not send ${chunk[0].id} while leaving; it stays stored for the next page`);
      return false;
    }
    const half = Math.ceil(chunk.length / 2);
    return this.leaveWith(chunk.slice(0, half)) && this.leaveWith(chunk.slice(half));
  }
}
