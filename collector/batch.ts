// POST /v1/batch, the one route of the wire protocol (CONTRACT.md section 6).
// Order of checks: content type, body (size, time), injected fault, JSON
// shape, then each message on its own.
import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageResult } from '../src/protocol';
import { isPlainObject, show } from '../src/schemas';
import { readBody } from './body';
import { sendError, sendJson } from './http';
import { COLLECTOR_LIMITS } from './limits';
import type { Call } from './routes';

// text/plain is what the SDK sends: a CORS-safelisted type, so no preflight,
// and the type navigator.sendBeacon gives a string body.
const BATCH_TYPES = new Set(['text/plain', 'application/json']);

const mediaType = (header: string | undefined) => (header ?? '').split(';')[0].trim().toLowerCase();

type Parsed = { messages: unknown[] } | { status: 400 | 413; reason: string };

function parseBatch(body: Buffer): Parsed {
  let text: string;
  let value: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return { status: 400, reason: 'Expected a UTF-8 body, but it holds invalid bytes' };
  }
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { status: 400, reason: `Expected a JSON body, but it does not parse: ${(error as Error).message}` };
  }
  if (!isPlainObject(value) || !Array.isArray(value.messages)) {
    const got = isPlainObject(value) ? `messages: ${show(value.messages)}` : show(value);
    return { status: 400, reason: `Expected a body of the form { "messages": [...] }, but received: ${got}` };
  }
  if (value.messages.length > COLLECTOR_LIMITS.maxBatchMessages) {
    const reason = `Expected at most ${COLLECTOR_LIMITS.maxBatchMessages} messages in a batch, but received: ${value.messages.length}`;
    return { status: 413, reason };
  }
  return { messages: value.messages };
}

const count = (results: MessageResult[], status: MessageResult['status']) =>
  results.filter((r) => r.status === status).length;

export async function handleBatch({ req, res, ctx, startedAt }: Call): Promise<void> {
  const { log, store } = ctx;
  const type = mediaType(req.headers['content-type']);
  if (!BATCH_TYPES.has(type)) {
    store.noteRequest(0);
    log(`batch 415 content type ${type || 'missing'}`);
    return sendError(res, 415, `Expected Content-Type text/plain or application/json, but received: ${type || 'none'}`);
  }

  const read = await readBody(req, { maxBytes: COLLECTOR_LIMITS.maxBodyBytes, timeoutMs: ctx.settings.bodyTimeoutMs, startedAt });
  store.noteRequest(read.bytes);
  if (!read.ok) {
    log(`batch ${read.status || 'abandoned'}: ${read.reason}`);
    if (read.status !== 0) sendError(res, read.status, read.reason);
    return;
  }

  const fault = ctx.faults.take();
  if (fault?.kind === 'status') {
    log(`batch fault: answered ${fault.status}, stored nothing`);
    const headers = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
    return sendError(res, fault.status, `fault injected: ${fault.status}`, headers);
  }
  if (fault?.kind === 'drop' && fault.drop === 'before') {
    log('batch fault: connection dropped, stored nothing');
    req.socket.destroy();
    return;
  }

  const parsed = parseBatch(read.body);
  if ('status' in parsed) {
    log(`batch ${parsed.status}: ${parsed.reason}`);
    return sendError(res, parsed.status, parsed.reason);
  }
  const { results, items } = store.receive(parsed.messages);
  ctx.publish(items);
  const summary = `${results.length} messages: ${count(results, 'accepted')} accepted, ${count(results, 'duplicate')} duplicate, ${count(results, 'rejected')} rejected`;

  if (fault?.kind === 'drop') {
    log(`batch ${summary}; fault: connection dropped after storing`);
    req.socket.destroy();
    return;
  }
  if (fault?.kind === 'delay') {
    log(`batch ${summary}; fault: answer delayed ${fault.delayMs} ms`);
    // Stored first, answered late: like a server that did the work but whose answer is slow.
    await sleep(fault.delayMs, undefined, { signal: ctx.closing });
  } else {
    log(`batch ${summary}`);
  }
  sendJson(res, 200, { results });
}
