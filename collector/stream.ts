// GET /micro/stream: Server-Sent Events, one per received message, for the
// inspector. A new reader first gets every message already received; a reader
// that reconnects (EventSource does so by itself) sends Last-Event-ID and gets
// only what it missed. https://html.spec.whatwg.org/multipage/server-sent-events.html
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogItem, Store } from './store';

// Keeps idle connections open through proxies that cut silent ones.
const HEARTBEAT_MS = 15 * 1000;
// A reader this far behind is dropped; it reconnects and catches up from its last id.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

// Event ids are "<epoch>.<index in the log>": a reset changes the epoch.
const eventId = (store: Store, index: number) => `${store.epoch}.${index}`;

export class EventStream {
  private readonly readers = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly store: Store) {
    this.heartbeat = setInterval(() => this.broadcast(': ping\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  open(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    // Sends the headers now: until then the reader does not know it is connected.
    res.write(': connected\n\n');
    if (req.method === 'HEAD') return void res.end();
    const [epoch, index] = String(req.headers['last-event-id'] ?? '').split('.');
    const last = Number(index);
    let from = 0;
    if (epoch === this.store.epoch && Number.isInteger(last)) from = last + 1;
    else if (epoch) res.write('event: reset\ndata: {}\n\n');
    const { log } = this.store;
    for (let i = from; i < log.length; i += 1) res.write(this.format(log[i], i));
    this.readers.add(res);
    res.on('close', () => this.readers.delete(res));
  }

  /** Sends the items just appended to the log. */
  publish(items: LogItem[]): void {
    if (this.readers.size === 0) return;
    const start = this.store.log.length - items.length;
    this.broadcast(items.map((item, i) => this.format(item, start + i)).join(''));
  }

  /** Tells readers that everything was cleared. */
  reset(): void {
    this.broadcast('event: reset\ndata: {}\n\n');
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.readers) res.end();
    this.readers.clear();
  }

  private format(item: LogItem, index: number): string {
    return `id: ${eventId(this.store, index)}\ndata: ${JSON.stringify(item)}\n\n`;
  }

  private broadcast(text: string): void {
    for (const res of this.readers) {
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
      else res.write(text);
    }
  }
}
