// Messages that the API has not answered yet. Each is written to storage under
// its own key before its first send and removed when answered, so a command
// costs one write and one removal whatever the outbox holds: no whole-queue
// rewrite. Keys: flm1:<scope>:<page>:<message id>.
import type { Message, MessageResult } from '../protocol';
import type { Identity } from '../schemas';
import { utf8Length } from '../message';
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
  settle?: Settle;
  key?: string;
}

interface Record {
  m: Message;
  a?: string;
}

export interface OutboxLimits {
  maxMessages: number;
  maxBytes: number;
}

export const KEY_PREFIX = 'flm1:';

export class Outbox {
  private entries = new Map<string, Entry>();
  private waiting = new Map<string, Entry[]>();
  private totalBytes = 0;
  /** Ready: neither waiting for an identity nor in flight. */
  readyCount = 0;
  /** Messages pushed out by the caps, since the page loaded. */
  dropped = 0;
  private store: Store | null = null;
  private writable = false;

  constructor(
    private readonly prefix: string,
    private readonly limits: OutboxLimits,
    private readonly onDrop: (entry: Entry, reason: string) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get persistent(): boolean {
    return this.writable;
  }

  /** From now on, entries are written to store; those held in memory are written now. */
  persistTo(store: Store | null): void {
    this.store = store;
    this.writable = store !== null;
    for (const entry of this.entries.values()) this.write(entry);
  }

  add(message: Message, options: { after?: string; settle?: Settle } = {}): Entry {
    const json = JSON.stringify(message);
    const entry: Entry = { id: message.id, message, json, bytes: utf8Length(json), after: options.after, settle: options.settle };
    this.insert(entry);
    this.write(entry);
    this.enforceLimits();
    return entry;
  }

  /** Takes back a message stored by an earlier page, under this page's key. */
  adopt(raw: string): Entry | undefined {
    let record: Record;
    try {
      record = JSON.parse(raw);
    } catch {
      return undefined;
    }
    if (!record || typeof record.m !== 'object' || typeof record.m.id !== 'string') return undefined;
    if (this.entries.has(record.m.id)) return undefined;
    const json = JSON.stringify(record.m);
    const entry: Entry = { id: record.m.id, message: record.m, json, bytes: utf8Length(json), after: record.a };
    this.insert(entry);
    this.write(entry);
    this.enforceLimits();
    return entry;
  }

  get(id: string): Entry | undefined {
    return this.entries.get(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  values(): IterableIterator<Entry> {
    return this.entries.values();
  }

  /** The messages waiting for registration id, no longer waiting. */
  waitersOf(id: string): Entry[] {
    const list = this.waiting.get(id) ?? [];
    this.waiting.delete(id);
    return list;
  }

  /** Gives a waiting message its identity; it becomes ready. */
  fill(entry: Entry, identity: Identity): void {
    (entry.message as { identity?: Identity }).identity = identity;
    entry.after = undefined;
    entry.json = JSON.stringify(entry.message);
    this.totalBytes -= entry.bytes;
    entry.bytes = utf8Length(entry.json);
    this.totalBytes += entry.bytes;
    if (!entry.via) this.readyCount++;
    this.write(entry);
  }

  setVia(entry: Entry, via: Via | undefined): void {
    if (!this.entries.has(entry.id) || entry.after) return;
    if (!entry.via && via) this.readyCount--;
    if (entry.via && !via) this.readyCount++;
    entry.via = via;
  }

  remove(entry: Entry): void {
    if (this.entries.get(entry.id) !== entry) return;
    this.entries.delete(entry.id);
    this.totalBytes -= entry.bytes;
    if (!entry.after && !entry.via) this.readyCount--;
    if (entry.after) {
      const list = this.waiting.get(entry.after);
      const at = list ? list.indexOf(entry) : -1;
      if (at >= 0) list!.splice(at, 1);
    }
    if (entry.key && this.store) this.store.remove(entry.key);
  }

  /**
   * The oldest ready messages, up to count and to bytes in all (at least one,
   * whatever its size, so that an oversized message gets its answer).
   */
  takeReady(count: number, bytes: number): Entry[] {
    const batch: Entry[] = [];
    let size = 0;
    for (const entry of this.entries.values()) {
      if (batch.length >= count || this.readyCount - batch.length === 0) break;
      if (entry.via || entry.after) continue;
      if (batch.length > 0 && size + entry.bytes > bytes) break;
      batch[batch.length] = entry;
      size += entry.bytes + 1;
    }
    return batch;
  }

  /** Forgets every message, in memory and in storage (consent withdrawn). */
  clear(): void {
    for (const entry of [...this.entries.values()]) this.remove(entry);
    this.waiting.clear();
  }

  private insert(entry: Entry): void {
    this.entries.set(entry.id, entry);
    this.totalBytes += entry.bytes;
    if (entry.after) {
      const list = this.waiting.get(entry.after);
      if (list) list[list.length] = entry;
      else this.waiting.set(entry.after, [entry]);
    } else {
      this.readyCount++;
    }
  }

  private write(entry: Entry): void {
    if (!this.store || !this.writable) return;
    const key = this.prefix + entry.id;
    const record = entry.after ? `{"a":${JSON.stringify(entry.after)},"m":${entry.json}}` : `{"m":${entry.json}}`;
    // A full or failing storage keeps the outbox in memory for this page;
    // what it holds already is still removed as answers come.
    if (this.store.set(key, record)) entry.key = key;
    else this.writable = false;
  }

  private enforceLimits(): void {
    while (this.entries.size > this.limits.maxMessages || this.totalBytes > this.limits.maxBytes) {
      const oldest = this.entries.values().next().value as Entry;
      this.remove(oldest);
      this.dropped++;
      this.onDrop(oldest, 'the outbox is full');
    }
  }
}
