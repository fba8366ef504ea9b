// Messages that the API has not answered yet. Each is written to storage under
// its own key before its first send and removed when answered, so a command
// costs one write and one removal whatever the outbox holds: no whole-queue
// rewrite. Keys: flm1:<scope>:<page>:<message id>.
import { FlmError } from '../log';
import { utf8Length } from '../message';
import type { Options } from '../options';
import type { Message, MessageResult } from '../protocol';
import type { Identity } from '../schemas';
import type { Store } from './storage';

export type Via = 'fetch' | 'keepalive' | 'beacon';

export interface Settle {
  resolve(result: MessageResult): void;
  reject(error: Error): void;
}

export interface Entry {
  readonly id: string;
  message: Message;
  /** The message as sent on the wire, serialised once. */
  json: string;
  bytes: number;
  /** The registration whose audience this message waits for, as its identity. */
  after?: string;
  /** How the message is in flight, if it is. */
  via?: Via;
  /** Whoever captured it on this page; none for a message taken over. */
  settle?: Settle;
  /** Its storage key, once written there. */
  key?: string;
}

/** What storage holds for a message: the message, and the registration it waits for. */
export interface StoredRecord {
  m: Message;
  a?: string;
}

/** The caps, as init options name them. */
export type OutboxLimits = Pick<Options, 'outboxMaxMessages' | 'outboxMaxBytes'>;

export interface Outbox {
  readonly size: number;
  /** False once a write failed: the outbox then lives in memory for this page. */
  readonly persistent: boolean;
  /** Ready: neither waiting for an identity nor in flight. */
  readonly readyCount: number;
  /** Messages pushed out by the caps, since the page loaded. */
  readonly dropped: number;
  /** From now on, entries are written to store; those held in memory are written now. */
  persistTo(store: Store | null): void;
  add(message: Message, options?: { after?: string; settle?: Settle }): Entry;
  /**
   * Takes back a message an earlier page stored under fromKey, storing it
   * under this page's key; where that write fails, fromKey stays its key.
   * Undefined for a message the outbox holds already.
   */
  adopt(record: StoredRecord, fromKey: string): Entry | undefined;
  has(id: string): boolean;
  values(): IterableIterator<Entry>;
  /** The messages waiting for registration id. A registration answers once: a scan is cheap enough. */
  waitersOf(id: string): Entry[];
  /** Gives a waiting message its identity; it becomes ready. */
  fill(entry: Entry, identity: Identity): void;
  setVia(entry: Entry, via: Via | undefined): void;
  remove(entry: Entry): void;
  /**
   * The oldest ready messages, up to count and to bytes in all (at least one,
   * whatever its size, so that an oversized message gets its answer). None
   * from behind a message still waiting for its identity: the API receives
   * what a page captured in the order it was captured.
   */
  takeReady(count: number, bytes: number): Entry[];
  /** Forgets every message, in memory and in storage (consent withdrawn). */
  clear(): void;
}

/** Tells whoever captured the message that it will never be answered. */
export function rejectEntry(entry: Entry, reason: string): void {
  if (entry.settle) entry.settle.reject(new FlmError(entry.message.type, reason));
}

/**
 * pinned: messages that others depend on (a registration, whose audience the
 * messages after it wait for), pushed out by the caps only when nothing else
 * is left to push out.
 */
export function createOutbox(
  prefix: string,
  limits: OutboxLimits,
  onDrop: (entry: Entry, reason: string) => void,
  pinned: (entry: Entry) => boolean = () => false,
): Outbox {
  const entries = new Map<string, Entry>();
  let totalBytes = 0;
  let readyCount = 0;
  let dropped = 0;
  let store: Store | null = null;
  let writable = false;

  /** Serialises the message once for all its sends, and counts its bytes. */
  const measure = (entry: Entry) => {
    totalBytes -= entry.bytes;
    entry.json = JSON.stringify(entry.message);
    entry.bytes = utf8Length(entry.json);
    totalBytes += entry.bytes;
  };

  const write = (entry: Entry) => {
    if (!writable) return;
    const key = prefix + entry.id;
    const record = entry.after ? `{"a":${JSON.stringify(entry.after)},"m":${entry.json}}` : `{"m":${entry.json}}`;
    // A full or failing storage keeps the outbox in memory for this page;
    // what it holds already is still removed as answers come.
    if (store!.set(key, record)) entry.key = key;
    else writable = false;
  };

  /** Pinned messages are few (registrations): the scan past them is short. */
  const oldestUnpinned = (): Entry | undefined => {
    for (const entry of entries.values()) if (!pinned(entry)) return entry;
    return undefined;
  };

  const put = (message: Message, after?: string, settle?: Settle): Entry => {
    const entry: Entry = { id: message.id, message, json: '', bytes: 0, after, settle };
    measure(entry);
    entries.set(entry.id, entry);
    if (!after) readyCount++;
    write(entry);
    while (entries.size > limits.outboxMaxMessages || totalBytes > limits.outboxMaxBytes) {
      const victim = oldestUnpinned() || (entries.values().next().value as Entry);
      outbox.remove(victim);
      dropped++;
      onDrop(victim, 'the outbox is full');
    }
    return entry;
  };

  const outbox: Outbox = {
    get size() {
      return entries.size;
    },
    get persistent() {
      return writable;
    },
    get readyCount() {
      return readyCount;
    },
    get dropped() {
      return dropped;
    },
    persistTo(to) {
      store = to;
      writable = !!to;
      for (const entry of entries.values()) write(entry);
    },
    add: (message, options = {}) => put(message, options.after, options.settle),
    adopt(record, fromKey) {
      if (entries.has(record.m.id)) return undefined;
      const entry = put(record.m, record.a);
      // Unless the caps pushed it out at once: then the old record must go.
      if (!entry.key && entries.get(entry.id) === entry) entry.key = fromKey;
      return entry;
    },
    has: (id) => entries.has(id),
    values: () => entries.values(),
    waitersOf: (id) => [...entries.values()].filter((entry) => entry.after === id),
    fill(entry, identity) {
      if (entries.get(entry.id) !== entry) return; // pushed out meanwhile: nothing to send, nothing to store
      (entry.message as { identity?: Identity }).identity = identity;
      entry.after = undefined;
      measure(entry);
      if (!entry.via) readyCount++;
      write(entry);
    },
    setVia(entry, via) {
      if (!entries.has(entry.id) || entry.after) return;
      // Into flight or back out of it.
      if (!entry.via !== !via) readyCount += via ? -1 : 1;
      entry.via = via;
    },
    remove(entry) {
      if (entries.get(entry.id) !== entry) return;
      entries.delete(entry.id);
      totalBytes -= entry.bytes;
      if (!entry.after && !entry.via) readyCount--;
      if (entry.key && store) store.remove(entry.key);
    },
    takeReady(count, bytes) {
      const batch: Entry[] = [];
      let size = 0;
      for (const entry of entries.values()) {
        if (batch.length >= count || readyCount === batch.length) break;
        if (entry.after) break;
        if (entry.via) continue;
        if (batch.length && size + entry.bytes > bytes) break;
        batch[batch.length] = entry;
        size += entry.bytes + 1;
      }
      return batch;
    },
    clear() {
      for (const entry of [...entries.values()]) outbox.remove(entry);
    },
  };
  return outbox;
}
