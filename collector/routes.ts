// Every route of the collector, by path then method: the API, the test API
// (CONTRACT.md section 7) and the pages. A path not listed is 404; a method
// not listed for a known path is 405.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleBatch } from './batch';
import { readBody } from './body';
import { parseRule, type FaultQueue } from './faults';
import { send, sendError, sendJson } from './http';
import { COLLECTOR_LIMITS } from './limits';
import type { Settings } from './options';
import { ASSETS, serveAsset, serveDemo, serveInspector } from './static';
import type { LogItem, Store } from './store';
import type { EventStream } from './stream';

export interface Context {
  settings: Settings;
  store: Store;
  faults: FaultQueue;
  stream: EventStream;
  /** Hands received messages to the stream readers and the --out file. */
  publish(items: LogItem[]): void;
  /** Clears the state, the stats and the faults. */
  reset(): void;
  /** One line to stdout, unless quiet. */
  log(line: string): void;
  /** Aborted when the collector closes, to cut pending delays short. */
  closing: AbortSignal;
  /** This collector's own address, for when a request's Host header is unusable. */
  origin: string;
}

/** One request on its way through a route. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  ctx: Context;
  path: string;
  search: string;
  /** Date.now() when the request's headers were in. */
  startedAt: number;
}

type Handler = (call: Call) => void | Promise<void>;
export type Method = 'GET' | 'POST';

async function postFault({ req, res, ctx, startedAt }: Call): Promise<void> {
  // Any content type: `curl -d '{"status":503}'` sends a form type.
  const read = await readBody(req, { maxBytes: COLLECTOR_LIMITS.maxControlBytes, timeoutMs: ctx.settings.bodyTimeoutMs, startedAt });
  if (!read.ok) {
    if (read.status !== 0) sendError(res, read.status, read.reason);
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(read.body.toString('utf8'));
  } catch {
    return sendError(res, 400, 'Expected a JSON fault rule');
  }
  const rule = parseRule(body);
  if (typeof rule === 'string') return sendError(res, 400, rule);
  ctx.faults.add(rule);
  ctx.log(`fault queued: ${JSON.stringify(body)}`);
  sendJson(res, 200, { faults: ctx.faults.list() });
}

const asset: Handler = ({ res, ctx, path }) => serveAsset(res, ctx.settings, path);

export const ROUTES = new Map<string, Partial<Record<Method, Handler>>>([
  ['/v1/batch', { POST: handleBatch }],
  ['/micro/messages', { GET: ({ res, ctx }) => sendJson(res, 200, { messages: ctx.store.log }) }],
  ['/micro/stats', { GET: ({ res, ctx }) => sendJson(res, 200, ctx.store.stats) }],
  ['/micro/audiences', { GET: ({ res, ctx }) => sendJson(res, 200, { audiences: ctx.store.audiences.list() }) }],
  ['/micro/stream', { GET: ({ req, res, ctx }) => ctx.stream.open(req, res) }],
  [
    '/micro/reset',
    {
      POST: ({ res, ctx }) => {
        ctx.reset();
        sendJson(res, 200, { reset: true });
      },
    },
  ],
  ['/micro/faults', { GET: ({ res, ctx }) => sendJson(res, 200, { faults: ctx.faults.list() }), POST: postFault }],
  ...Object.keys(ASSETS).map((path): [string, { GET: Handler }] => [path, { GET: asset }]),
  ['/', { GET: ({ res, ctx }) => serveInspector(res, ctx.settings) }],
  ['/demo/', { GET: ({ req, res, ctx }) => serveDemo(req, res, ctx.settings, ctx.origin) }],
  // Relative links in the demo page need the trailing slash.
  ['/demo', { GET: ({ res, search }) => send(res, 308, '', { Location: `/demo/${search}` }) }],
]);
