// Between commands and transport stands the message: an id kept across retries,
// a capture time, a per-page order, and the fields of its type.
import type { Message, MessageFields } from './protocol';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join('');

/**
 * A random 128-bit id. crypto.randomUUID needs a secure context (plain http
 * pages lack it, https://developer.mozilla.org/docs/Web/API/Crypto/randomUUID);
 * getRandomValues does not; Math.random is the last resort of very old engines.
 */
export function newId(): string {
  const c = typeof crypto === 'undefined' ? undefined : crypto;
  try {
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  } catch {
    // Some engines define it but throw outside a secure context.
  }
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = (Math.random() * 256) | 0;
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Bytes of a string once UTF-8 encoded, without allocating the encoding. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 2; // a surrogate pair: 2 units, 4 bytes
      i++;
    } else if (code > 0x7ff) bytes += 2;
    else if (code > 0x7f) bytes += 1;
  }
  return bytes;
}

export function createMessage(fields: MessageFields, seq: number, capturedAt: number): Message {
  // The envelope first, in the order the contract shows it.
  return Object.assign({ id: newId(), type: fields.type, ts: new Date(capturedAt).toISOString(), seq }, fields) as Message;
}
