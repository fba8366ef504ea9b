// Between commands and transport stands the message: an id kept across retries,
// a capture time, a per-page order, and the fields of its type.
import type { Message, MessageFields } from './protocol';

/**
 * A random 128-bit id, RFC 4122 version 4. getRandomValues works on every page,
 * where crypto.randomUUID needs a secure context (plain http pages lack it,
 * https://developer.mozilla.org/docs/Web/API/Crypto/randomUUID); Math.random is
 * the last resort of engines without crypto.
 */
export function newId(): string {
  const bytes = new Uint8Array(16);
  try {
    crypto.getRandomValues(bytes);
  } catch {
    for (let i = 0; i < 16; i++) bytes[i] = Math.random() * 256;
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
  let hex = '';
  for (const byte of bytes) hex += (byte + 256).toString(16).slice(1);
  return hex.replace(/(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
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
