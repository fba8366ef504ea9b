// @vitest-environment node
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Struct } from 'superstruct';
import { audienceRegister } from '../../src/commands/audience-register';
import { checkArgs } from '../../src/dispatch';
import { Identity } from '../../src/schemas';
import { attributes, get, message, post, postBatch, postRaw, register, results, start, type Collector } from './helpers';

let collector: Collector;
beforeAll(async () => {
  collector = await start();
});
afterAll(() => collector.close());
beforeEach(() => post(collector, '/micro/reset'));

const HEX32 = /^[0-9a-f]{32}$/;

describe('POST /v1/batch', () => {
  it('accepts every message type and answers the entities each created', async () => {
    const batch = [
      register(),
      message('audience.registerViewer', {
        story_id: 42,
        attributes: attributes({ email: 'grace@example.com', external_id: 'grace' }),
        write_mode: 'overwrite',
      }),
      message('event.create', { event_type: 'click', story_id: 42, step_position: 3, identity: { audience_id: 1 } }),
      message('tag.add', { tag: 'vip', identity: { external_id: 'grace' } }),
      message('viewer.create', { story_id: 7, identity: { audience_id: 1 } }),
    ];
    const answered = await results(collector, batch);

    expect(answered.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    expect(answered.map((r) => r.id)).toEqual(batch.map((m) => m.id));
    expect(answered[0]).toEqual({ id: batch[0].id, status: 'accepted', audience: { id: 1, api_token: expect.stringMatching(HEX32) } });
    expect(answered[1]).toEqual({
      id: batch[1].id,
      status: 'accepted',
      audience: { id: 2, api_token: expect.stringMatching(HEX32) },
      viewer: { id: 1 },
    });
    expect(answered[2]).toEqual({ id: batch[2].id, status: 'accepted', event: { id: 1 } });
    expect(answered[3]).toEqual({ id: batch[3].id, status: 'accepted' });
    expect(answered[4]).toEqual({ id: batch[4].id, status: 'accepted', viewer: { id: 2 } });
    expect(answered[0].audience.api_token).not.toBe(answered[1].audience.api_token);

    const { body } = await get(collector, '/micro/audiences');
    expect(body.audiences).toMatchObject([
      { id: 1, tags: [], events: [{ id: 1, event_type: 'click', story_id: 42, step_position: 3 }], viewers: [{ id: 2, story_id: 7 }] },
      { id: 2, tags: ['vip'], events: [], viewers: [{ id: 1, story_id: 42 }] },
    ]);
  });

  it('answers a repeated id as duplicate with the first entities, and stores it once', async () => {
    const first = register();
    const [accepted] = await results(collector, [first]);
    const [again] = await results(collector, [first]);

    expect(again).toEqual({ ...accepted, status: 'duplicate' });
    const { body: audiences } = await get(collector, '/micro/audiences');
    expect(audiences.audiences).toHaveLength(1);
    const { body: stats } = await get(collector, '/micro/stats');
    expect(stats).toMatchObject({ requests: 2, messages: 2, accepted: 1, duplicate: 1, rejected: 0 });
    const { body: log } = await get(collector, '/micro/messages');
    expect(log.messages.map((m: any) => m.status)).toEqual(['accepted', 'duplicate']);
  });

  it('answers a duplicate within one batch too', async () => {
    const tag = message('tag.add', { tag: 'vip', identity: { audience_id: 1 } });
    const answered = await results(collector, [register(), tag, tag]);
    expect(answered.map((r) => r.status)).toEqual(['accepted', 'accepted', 'duplicate']);
  });

  it('rejects an invalid message with the reason and still processes the others', async () => {
    const batch = [
      register(),
      message('tag.add', { tag: '', identity: { audience_id: 1 } }),
      message('tag.remove', { tag: 'vip' }),
      { type: 'tag.add', tag: 'vip', identity: { audience_id: 1 } },
      message('event.create', { event_type: 'click', story_id: 0, step_position: 1, identity: { audience_id: 1 } }),
      message('tag.add', { tag: 'vip', identity: { audience_id: 1 }, colour: 'red' }),
      'not a message',
      message('tag.add', { tag: 'vip', identity: { audience_id: 1 } }),
    ];
    const answered = await results(collector, batch);

    expect(answered.map((r) => r.status)).toEqual([
      'accepted', 'rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'accepted',
    ]);
    expect(answered[1].error).toBe('tag: Expected a non-empty string of at most 128 characters, but received: ""');
    expect(answered[2].error).toMatch(/^type: Expected one of "audience.register", .*, but received: "tag.remove"$/);
    expect(answered[3]).toEqual({ id: '', status: 'rejected', error: 'id: Expected a non-empty string, but received: undefined' });
    expect(answered[4].error).toBe('story_id: Expected a positive integer, but received: 0');
    expect(answered[5].error).toBe('colour: is not a known field');
    expect(answered[6].error).toMatch(/^id: Expected a non-empty string/);
    const { body: stats } = await get(collector, '/micro/stats');
    expect(stats).toMatchObject({ messages: 8, accepted: 2, rejected: 6, duplicate: 0 });
  });

  it('words an error as the SDK does: the field path, then the same message as the SDK prints', async () => {
    const answered = await results(collector, [
      register(attributes({ colour: 'red' })),
      register(attributes({ email: 'nope' })),
      message('tag.add', { tag: 'vip', identity: { external_id: 'x', colour: 1 } }),
      message('tag.add', { tag: 'vip', identity: { audience_id: 1 }, colour: 'red' }),
    ]);
    expect(answered.map((r) => r.error)).toEqual([
      'attributes: colour: is not a known field',
      'attributes.email: Expected an email address of at most 254 characters, but received: "nope"',
      'identity: colour: is not a known field',
      'colour: is not a known field',
    ]);
    // The SDK checking the same values as command arguments: "argument N (name): " then the same words.
    const sdk = (name: string, struct: Struct<any, any>, value: unknown) => {
      const checked = checkArgs({ args: [{ name, struct }] }, [value]);
      return checked.ok ? 'ok' : checked.fault.replace(/^argument 1 \([a-z]+\): /, '');
    };
    expect(`attributes: ${sdk('attributes', audienceRegister.args[0].struct, attributes({ colour: 'red' }))}`).toBe(answered[0].error);
    expect(`attributes.${sdk('attributes', audienceRegister.args[0].struct, attributes({ email: 'nope' }))}`).toBe(answered[1].error);
    expect(`identity: ${sdk('identity', Identity, { external_id: 'x', colour: 1 })}`).toBe(answered[2].error);
  });

  it('rejects a repeated rejected id again, with the same error, not as a duplicate', async () => {
    const bad = message('tag.add', { tag: 'vip', identity: { external_id: 'nobody' } });
    const [first] = await results(collector, [bad]);
    const [again] = await results(collector, [bad]);

    expect(first).toEqual({ id: bad.id, status: 'rejected', error: 'no audience matches identity {"external_id":"nobody"}' });
    expect(again).toEqual(first);
    const { body: stats } = await get(collector, '/micro/stats');
    expect(stats).toMatchObject({ rejected: 2, duplicate: 0 });
  });

  it('accepts numeric strings where the SDK does', async () => {
    const answered = await results(collector, [
      register(),
      message('viewer.create', { story_id: '42', identity: { audience_id: '1' } }),
    ]);
    expect(answered[1]).toMatchObject({ status: 'accepted', viewer: { id: 1 } });
  });

  it('keeps each message as it was sent, in arrival order', async () => {
    const sent = [register(), message('viewer.create', { story_id: '42', identity: { audience_id: '1' } })];
    await postBatch(collector, sent);
    const { body } = await get(collector, '/micro/messages');
    expect(body.messages).toEqual([
      { received_at: expect.any(String), status: 'accepted', message: sent[0] },
      { received_at: expect.any(String), status: 'accepted', message: sent[1] },
    ]);
  });

  it('counts requests and body bytes', async () => {
    const body = JSON.stringify({ sent_at: new Date().toISOString(), messages: [register()] });
    await postRaw(collector, body);
    await postRaw(collector, 'not json');
    const { body: stats } = await get(collector, '/micro/stats');
    expect(stats).toEqual({ requests: 2, messages: 1, accepted: 1, rejected: 0, duplicate: 0, bytes: Buffer.byteLength(body) + 8 });
  });

  it('accepts application/json as well as text/plain', async () => {
    const { status } = await postRaw(collector, JSON.stringify({ messages: [register()] }), { 'Content-Type': 'application/json' });
    expect(status).toBe(200);
  });

  it('answers an empty batch with no results', async () => {
    expect(await results(collector, [])).toEqual([]);
  });
});

describe('POST /v1/batch with a body it cannot take', () => {
  const cases: [string, string | Uint8Array<ArrayBuffer>, Record<string, string>, number, RegExp][] = [
    ['malformed JSON', '{"messages": [', {}, 400, /^Expected a JSON body, but it does not parse/],
    ['JSON that is not a batch', '[1, 2]', {}, 400, /^Expected a body of the form \{ "messages": \[\.\.\.\] \}, but received: an array$/],
    ['a batch whose messages is not a list', '{"messages": {}}', {}, 400, /received: messages: an object$/],
    ['bytes that are not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), {}, 400, /^Expected a UTF-8 body/],
    ['a form content type', '{"messages": []}', { 'Content-Type': 'application/x-www-form-urlencoded' }, 415,
      /^Expected Content-Type text\/plain or application\/json, but received: application\/x-www-form-urlencoded$/],
  ];
  for (const [what, body, headers, status, reason] of cases) {
    it(`answers ${status} to ${what}`, async () => {
      const answer = await postRaw(collector, body, headers);
      expect(answer.status).toBe(status);
      expect(answer.body.error).toMatch(reason);
    });
  }

  it('answers 413 to a batch of 10,000 messages, and stores none', async () => {
    const body = JSON.stringify({ messages: Array.from({ length: 10000 }, () => ({})) });
    const answer = await postRaw(collector, body);
    expect(answer.status).toBe(413);
    expect(answer.body.error).toBe('Expected at most 1000 messages in a batch, but received: 10000');
    expect((await get(collector, '/micro/stats')).body.messages).toBe(0);
  });
});

describe('routes', () => {
  it('answers 404 to an unknown route', async () => {
    const answer = await get(collector, '/v2/batch');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: 'No route GET /v2/batch' });
  });

  it('answers 405 with Allow to a wrong method on a known route', async () => {
    const answer = await get(collector, '/v1/batch');
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST, OPTIONS');
    expect((await post(collector, '/micro/stats')).status).toBe(405);
  });
});

describe('prototype pollution', () => {
  it('leaves Object.prototype alone and rejects a __proto__ payload sent as raw JSON', async () => {
    const polluted = '{"polluted": "yes"}';
    const envelope = (id: string) => `"id": "${id}", "ts": "2024-01-01T00:00:00Z", "seq": 1`;
    const body = `{
      "__proto__": ${polluted},
      "messages": [
        { ${envelope('p1')}, "type": "audience.register", "write_mode": "merge",
          "attributes": { "first_name": "A", "last_name": "B", "email": "a@example.com", "extra": { "__proto__": ${polluted} } } },
        { ${envelope('p2')}, "type": "audience.register", "write_mode": "merge",
          "attributes": { "first_name": "A", "last_name": "B", "email": "a@example.com", "__proto__": ${polluted} } },
        { ${envelope('p3')}, "type": "tag.add", "tag": "x", "identity": { "audience_id": 1, "__proto__": ${polluted} } },
        { ${envelope('p4')}, "type": "tag.add", "tag": "x", "identity": { "audience_id": 1 }, "__proto__": ${polluted} },
        { ${envelope('p5')}, "type": "__proto__" },
        { ${envelope('p6')}, "type": "constructor" },
        { "id": "__proto__", "ts": "2024-01-01T00:00:00Z", "seq": 1, "type": "toString" }
      ]
    }`;
    const answer = await postRaw(collector, body);

    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r: any) => r.status)).toEqual(Array(7).fill('rejected'));
    expect(answer.body.results[0].error).toBe('attributes.extra: __proto__: is a reserved name and cannot be a custom field');
    expect(({} as any).polluted).toBeUndefined();
    expect((await get(collector, '/micro/audiences')).body.audiences).toEqual([]);
  });
});
