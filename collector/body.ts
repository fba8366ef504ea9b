// Reading a request body without trusting the client: at most maxBytes are
// kept, and a client that trickles its body is cut off at the deadline.
import type { IncomingMessage } from 'node:http';

export type BodyResult =
  | { ok: true; body: Buffer; bytes: number }
  | { ok: false; status: 408 | 413; reason: string; bytes: number }
  /** The client went away: there is no one to answer. */
  | { ok: false; status: 0; reason: string; bytes: number };

export interface BodyLimits {
  maxBytes: number;
  /** Time allowed for the whole body, counted from startedAt. */
  timeoutMs: number;
  /** When the request started (Date.now()). */
  startedAt: number;
}

/**
 * Resolves once the body is complete, too large, late or abandoned; never
 * rejects. On failure the request is left paused and the rest of the body is
 * never read: sendError then closes the connection.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<BodyResult> {
  const tooLarge = (bytes: number, declared?: number): BodyResult => ({
    ok: false,
    status: 413,
    reason: `Expected a body of at most ${limits.maxBytes} bytes, but ${declared === undefined ? 'received more' : `the request declares ${declared}`}`,
    bytes,
  });
  // A declared length over the limit is refused before reading a byte.
  const declared = Number(req.headers['content-length']);
  if (declared > limits.maxBytes) return Promise.resolve(tooLarge(0, declared));

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;

    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('close', onClose);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) finish(tooLarge(bytes));
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, bytes), bytes });
    // 'close' before 'end' means the client aborted.
    const onClose = () => finish({ ok: false, status: 0, reason: 'the client closed the connection', bytes });
    const timer = setTimeout(
      () => finish({ ok: false, status: 408, reason: `Expected the whole body within ${limits.timeoutMs} ms`, bytes }),
      Math.max(0, limits.startedAt + limits.timeoutMs - Date.now()),
    );

    // An 'error' after finish must still have a listener, or it would be thrown.
    req.on('error', () => finish({ ok: false, status: 0, reason: 'the request failed', bytes }));
    req.on('data', onData).on('end', onEnd).on('close', onClose);
  });
}
