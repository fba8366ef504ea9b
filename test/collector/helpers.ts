// Talking to a real collector over HTTP, for the collector's tests.
import { startCollector, type CollectorOptions, type RunningCollector } from '../../collector/server';

export type Collector = RunningCollector;

export function start(options: CollectorOptions = {}): Promise<Collector> {
  return startCollector({ port: 0, host: '127.0.0.1', quiet: true, ...options });
}

let seq = 0;

/** A message with a fresh id, as the SDK would send it. */
export function message(type: string, fields: Record<string, unknown>): Record<string, unknown> {
  seq += 1;
  return { id: `msg-${seq}-${Math.random().toString(36).slice(2, 8)}`, type, ts: new Date().toISOString(), seq, ...fields };
}

export const attributes = (extra: Record<string, unknown> = {}) => ({
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@example.com',
  ...extra,
});

export const register = (attrs: Record<string, unknown> = attributes(), writeMode = 'overwrite') =>
  message('audience.register', { attributes: attrs, write_mode: writeMode });

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

/** POSTs a batch the way the SDK does: JSON as text/plain. */
export async function postBatch(
  collector: Collector,
  messages: unknown[],
  init: { headers?: Record<string, string> } = {},
): Promise<Answer> {
  return postRaw(collector, JSON.stringify({ sent_at: new Date().toISOString(), messages }), init.headers);
}

export async function postRaw(collector: Collector, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'text/plain;charset=UTF-8', ...headers },
  });
  return answer(response);
}

export async function get(collector: Collector, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return answer(await fetch(`${collector.url}${path}`, { headers }));
}

export async function post(collector: Collector, path: string, value?: unknown): Promise<Answer> {
  const init: RequestInit = { method: 'POST' };
  if (value !== undefined) {
    init.body = JSON.stringify(value);
    init.headers = { 'Content-Type': 'application/json' };
  }
  return answer(await fetch(`${collector.url}${path}`, init));
}

/** Every result of one batch, which must have been answered 200. */
export async function results(collector: Collector, messages: unknown[]): Promise<any[]> {
  const { status, body } = await postBatch(collector, messages);
  if (status !== 200) throw new Error(`batch answered ${status}: ${JSON.stringify(body)}`);
  return body.results;
}
