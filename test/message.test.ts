// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMessage, newId, utf8Length } from '../src/message';

const realCrypto = globalThis.crypto;
const random = (b: Uint8Array<ArrayBuffer>) => realCrypto.getRandomValues(b);
const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => vi.unstubAllGlobals());

describe('newId', () => {
  const engines: [string, () => unknown][] = [
    ['crypto.randomUUID', () => realCrypto],
    ['crypto.getRandomValues alone (an http page)', () => ({ getRandomValues: random })],
    [
      'a randomUUID that throws outside a secure context',
      () => ({
        randomUUID: () => {
          throw new DOMException('insecure', 'SecurityError');
        },
        getRandomValues: random,
      }),
    ],
    ['no crypto at all (Math.random)', () => undefined],
  ];

  for (const [name, crypto] of engines) {
    it(`gives unique RFC 4122 version 4 ids with ${name}`, () => {
      vi.stubGlobal('crypto', crypto());
      const ids = Array.from({ length: 1_000 }, newId);
      for (const id of ids) expect(id).toMatch(V4);
      expect(new Set(ids).size).toBe(ids.length);
    });
  }

  it('sets the version and variant bits whatever the random bytes', () => {
    vi.stubGlobal('crypto', { getRandomValues: (b: Uint8Array) => b.fill(0xff) });
    expect(newId()).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    vi.stubGlobal('crypto', { getRandomValues: (b: Uint8Array) => b.fill(0) });
    expect(newId()).toBe('00000000-0000-4000-8000-000000000000');
  });
});

describe('utf8Length', () => {
  const rows: [string, string][] = [
    ['nothing', ''],
    ['ASCII', '{"tag":"vip","seq":7}'],
    ['accents', 'Zoë Brontë, Élodie, ça'],
    ['CJK', '東京都渋谷区'],
    ['emoji', '🎉👍🏽'],
    ['a family emoji with joiners', '👨‍👩‍👧‍👦'],
    ['a mix', 'a é 東 🎉 z'],
    ['the edges of each width', '\u007f\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}'],
  ];
  for (const [name, text] of rows) {
    it(`counts ${name} as TextEncoder does`, () => {
      expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
    });
  }
});

describe('createMessage', () => {
  it('puts the envelope first, then the fields of the type', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    const message = createMessage({ type: 'tag.add', tag: 'vip', identity: { audience_id: 3 } }, 7, at);
    expect(Object.keys(message)).toEqual(['id', 'type', 'ts', 'seq', 'tag', 'identity']);
    expect(message).toMatchObject({ type: 'tag.add', ts: '2026-01-02T03:04:05.006Z', seq: 7, tag: 'vip', identity: { audience_id: 3 } });
    expect(message.id).toMatch(V4);
  });
});
