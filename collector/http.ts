// Small helpers for answering: CORS on every answer, JSON bodies, errors.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

// A header value must be visible ASCII to be echoed back.
const TOKEN = /^[\x21-\x7e]+$/;

/**
 * CORS headers for the calling origin, set on every answer, errors included,
 * so that the SDK can read each one (CONTRACT.md section 6). Credentials are
 * allowed because navigator.sendBeacon sends cookies, and then the origin
 * must be echoed rather than "*". Without an origin to echo the answer is
 * "*" alone: browsers refuse "*" together with Allow-Credentials.
 * https://developer.mozilla.org/docs/Web/HTTP/CORS#requests_with_credentials
 */
export function corsHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const origin = req.headers.origin;
  const echoed = !!origin && TOKEN.test(origin);
  return {
    'Access-Control-Allow-Origin': echoed ? origin : '*',
    ...(echoed && { 'Access-Control-Allow-Credentials': 'true' }),
    // Retry-After is not a CORS-safelisted response header: without this the
    // SDK could not read it on a 429 or 503.
    'Access-Control-Expose-Headers': 'Retry-After',
    Vary: 'Origin',
  };
}

/** The answer to a CORS preflight; cached by the browser for 10 minutes. */
export function preflightHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  return {
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '600',
    // Chrome asks before a public page may call a server on 127.0.0.1:
    // https://wicg.github.io/private-network-access/
    ...(req.headers['access-control-request-private-network'] === 'true' && {
      'Access-Control-Allow-Private-Network': 'true',
    }),
  };
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
  send(res, status, JSON.stringify(value), { 'Content-Type': 'application/json; charset=utf-8', ...headers });
}

// A body still on the wire when we answer: reading it would be work for a
// request already refused, so the connection is closed after the answer.
const bodyUnread = (req: IncomingMessage) =>
  !req.complete && (Number(req.headers['content-length']) > 0 || req.headers['transfer-encoding'] !== undefined);

/** An error answer: `{ "error": reason }`. */
export function sendError(res: ServerResponse, status: number, reason: string, headers: OutgoingHttpHeaders = {}): void {
  sendJson(res, status, { error: reason }, { ...headers, ...(bodyUnread(res.req) && { Connection: 'close' }) });
}

export function send(res: ServerResponse, status: number, body: string | Buffer, headers: OutgoingHttpHeaders): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}
