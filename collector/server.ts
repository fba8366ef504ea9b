// The collector's HTTP server: a local stand-in for the Flamefy API that speaks
// the wire protocol for real (CONTRACT.md sections 6 and 7). node:http only.
// No input may take it down: each request is handled inside its own catch, and
// malformed HTTP is answered by the 'clientError' handler.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultQueue } from './faults';
import { corsHeaders, preflightHeaders, send, sendError } from './http';
import { openJsonLines } from './jsonl';
import { COLLECTOR_LIMITS } from './limits';
import { resolveOptions, type CollectorOptions } from './options';
import { ROUTES, type Context, type Method } from './routes';
import { Store } from './store';
import { EventStream } from './stream';

export type { CollectorOptions } from './options';

export interface RunningCollector {
  /** Base address, such as http://127.0.0.1:8080. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The address to show for a listening host: a wildcard is reached via loopback, IPv6 needs brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

// Local wall-clock time, to match what the user sees in the browser.
const time = () => new Date().toTimeString().slice(0, 8);

// The answer to HTTP that Node cannot parse: a status, CORS for any origin
// (there is no parsed request to read one from), and the connection closed.
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
    : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\nAccess-Control-Allow-Origin: *\r\n\r\n`);
}

export async function startCollector(options: CollectorOptions = {}): Promise<RunningCollector> {
  const settings = resolveOptions(options);
  const log = (line: string) => settings.quiet || console.log(`${time()} ${line}`);
  const store = new Store();
  // Answers not yet begun, for a drop rule queued while they are pending.
  const unanswered = new Set<ServerResponse>();
  // A browser resends a request by itself, without telling the page, when a
  // keep-alive connection it reused closes before any byte of the answer
  // (Chromium: HttpNetworkTransaction::ShouldResendRequest). So that a drop
  // fault reaches the page as a failure, the dropped request must come on a
  // fresh connection: once a drop is queued, idle connections are closed and
  // every answer closes its connection, until the drop is used up.
  const faults = new FaultQueue(() => {
    for (const res of unanswered) if (!res.headersSent) res.setHeader('Connection', 'close');
    server.closeIdleConnections();
  });
  const stream = new EventStream(store);
  const out = settings.out ? openJsonLines(settings.out, log) : undefined;
  const closing = new AbortController();

  const ctx: Context = {
    settings,
    store,
    faults,
    stream,
    log,
    closing: closing.signal,
    origin: '',
    publish(items) {
      stream.publish(items);
      out?.write(items);
    },
    reset() {
      store.reset();
      faults.clear();
      stream.reset();
      log('reset');
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    for (const [name, value] of Object.entries(corsHeaders(req))) res.setHeader(name, value as string);
    if (faults.dropPending) res.setHeader('Connection', 'close');
    unanswered.add(res);
    res.once('finish', () => unanswered.delete(res)).once('close', () => unanswered.delete(res));
    // req.url is the client's to write ("*", "//x", "http://[x"): resolve it against a fixed base.
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://collector.invalid');
    } catch {
      return sendError(res, 400, `Expected a request target, but received: ${JSON.stringify(req.url)}`);
    }
    const { pathname: path, search } = url;
    const route = ROUTES.get(path);
    if (!route) return sendError(res, 404, `No route ${req.method} ${path}`);
    if (req.method === 'OPTIONS') return send(res, 204, '', preflightHeaders(req));
    // HEAD is GET without a body; Node leaves the body out by itself.
    const method = (req.method === 'HEAD' ? 'GET' : req.method) as Method;
    const handler = Object.prototype.hasOwnProperty.call(route, method) ? route[method] : undefined;
    if (!handler) {
      const allow = [...Object.keys(route), 'OPTIONS'].join(', ');
      return sendError(res, 405, `Expected ${allow} on ${path}, but received: ${req.method}`, { Allow: allow });
    }
    await handler({ req, res, ctx, path, search, startedAt });
  }

  const server = createServer(
    {
      headersTimeout: COLLECTOR_LIMITS.headersTimeoutMs,
      // A backstop only: readBody answers 408 itself, with CORS, before this.
      requestTimeout: COLLECTOR_LIMITS.headersTimeoutMs + settings.bodyTimeoutMs + 1000,
      // How often Node checks the two timeouts above (its default is 30 s).
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      handle(req, res).catch((error: Error) => {
        if (closing.signal.aborted) return;
        log(`error on ${req.method} ${req.url}: ${error.stack ?? error}`);
        try {
          sendError(res, 500, 'The collector failed on this request; see its log');
        } catch {
          res.destroy();
        }
      });
    },
  );
  server.on('clientError', answerClientError);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, settings.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    stream.close();
    await out?.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(settings.host)}:${port}`;
  ctx.origin = url;

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closed ??= (async () => {
        closing.abort();
        stream.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await out?.close();
      })();
      return closed;
    },
  };
}
