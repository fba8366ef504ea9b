// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSdk, scope, type Sdk } from '../src/sdk';
import { FlmError } from '../src/log';
import type { Message } from '../src/protocol';
import { accepted, acceptAll, fakeClock, FakeTransport, flamefyKeys, resetPage, spyErrors } from './support/fakes';

const API = 'https://api.flamefy.example';
const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const person = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' };
const token = { flm_api_token: 'tok' };

let transport: FakeTransport;
let errors: ReturnType<typeof spyErrors>;

function newSdk(): Sdk {
  return createSdk({ transport, clock: fakeClock, random: () => 0.5, watchPage: false });
}

/** Runs a command as the queue does: its promise is not the test's concern. */
function push(sdk: Sdk, name: string, ...args: unknown[]): Promise<unknown> {
  const promise = sdk.run(name, args);
  promise.catch(() => undefined);
  return promise;
}

const wait = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

function cookieToken(): string | undefined {
  return document.cookie.match(/(?:^|;\s*)flm_api_token=([^;]*)/)?.[1];
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
  resetPage();
  transport = new FakeTransport();
  errors = spyErrors();
});

afterEach(() => {
  vi.useRealTimers();
  resetPage();
});

describe('Sdk', () => {
  describe('init', () => {
    it('runs commands pushed before it once it comes, in push order', async () => {
      const sdk = newSdk();
      push(sdk, 'tag.add', 'a', token);
      push(sdk, 'tag.add', 'b', token);
      push(sdk, 'viewer.create', 12, token);
      await wait(5_000);
      expect(transport.posts).toHaveLength(0);

      push(sdk, 'init', { apiUrl: API });
      await wait(1_000);
      expect(transport.messages.map((m) => [m.type, m.seq])).toEqual([
        ['tag.add', 1],
        ['tag.add', 2],
        ['viewer.create', 3],
      ]);
      expect(transport.messages.map((m) => (m as { tag?: string }).tag)).toEqual(['a', 'b', undefined]);
    });

    it('keeps the first options and logs one line when called twice', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      await expect(sdk.run('init', [{ apiUrl: 'https://other.example' }])).rejects.toThrow(
        'init: already initialised with other options; this call is ignored',
      );
      push(sdk, 'tag.add', 'vip', token);
      await wait(1_000);
      expect(errors.lines()).toEqual(['[flamefy] init: already initialised with other options; this call is ignored']);
      expect(transport.posts.map((p) => p.url)).toEqual([`${API}/v1/batch`]);
    });

    it('says nothing of a second init with the same options, as a snippet pasted twice gives', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API, batchSize: 10 });
      await expect(sdk.run('init', [{ batchSize: 10, apiUrl: `${API}/` }])).resolves.toBeUndefined();
      push(sdk, 'tag.add', 'vip', token);
      await wait(1_000);
      expect(errors.lines()).toEqual([]);
      expect(transport.messages).toHaveLength(1);
    });

    it('refuses options without an apiUrl, and a later valid init still works', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { debug: true });
      expect(errors.lines()).toEqual(['[flamefy] init: argument 1 (options): apiUrl: Expected an http or https address, but received: undefined']);
      push(sdk, 'init', { apiUrl: `${API}/` });
      push(sdk, 'tag.add', 'vip', token);
      await wait(1_000);
      expect(transport.posts.map((p) => p.url)).toEqual([`${API}/v1/batch`]);
    });
  });

  describe('validation', () => {
    it('logs one line per invalid command, naming command, argument and fault, and sends the commands around it', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      push(sdk, 'tag.add', 'before', token);
      const refused = sdk.run('tag.add', [42, token]);
      push(sdk, 'event.create', 'play', 12, -1, token);
      push(sdk, 'tag.add', 'after', token);
      await expect(refused).rejects.toBeInstanceOf(FlmError);
      await wait(1_000);
      expect(errors.lines()).toEqual([
        '[flamefy] tag.add: argument 1 (tag): Expected a non-empty string of at most 128 characters, but received: 42',
        '[flamefy] event.create: argument 3 (stepPosition): Expected a non-negative integer, but received: -1',
      ]);
      expect(transport.messages.map((m) => (m as { tag?: string }).tag)).toEqual(['before', 'after']);
    });

    it('never throws into the page', () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      expect(() => push(sdk, 'tag.add', Symbol('x') as never)).not.toThrow();
      expect(() => push(sdk, 'audience.register', null)).not.toThrow();
      expect(errors.lines()).toHaveLength(2);
    });

    it('refuses an unknown command with one line that lists the commands', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      await expect(sdk.run('tag.remove', ['vip'])).rejects.toThrow('tag.remove: unknown command');
      expect(errors.lines()).toEqual([
        '[flamefy] tag.remove: unknown command; the commands are init, consent, ready, audience.register, audience.registerViewer, event.create, tag.add, viewer.create',
      ]);
    });

    it('refuses an unknown command pushed before init once init comes, and runs the next one', async () => {
      const sdk = newSdk();
      push(sdk, 'tag.remove', 'vip');
      push(sdk, 'tag.add', 'vip', token);
      expect(errors.lines()).toEqual([]);
      push(sdk, 'init', { apiUrl: API });
      await wait(1_000);
      expect(errors.lines()).toHaveLength(1);
      expect(errors.lines()[0]).toMatch(/^\[flamefy\] tag\.remove: unknown command/);
      expect(transport.messages).toHaveLength(1);
    });

    it('refuses a command without any identity with a clear message', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      await expect(sdk.run('tag.add', ['vip'])).rejects.toThrow(
        'tag.add: argument 2 (identity): none given, no audience registered on this page, and no flm_api_token cookie',
      );
      push(sdk, 'event.create', 'play', 12, 0);
      expect(errors.lines()).toEqual([
        '[flamefy] tag.add: argument 2 (identity): none given, no audience registered on this page, and no flm_api_token cookie',
        '[flamefy] event.create: argument 4 (identity): none given, no audience registered on this page, and no flm_api_token cookie',
      ]);
      await wait(5_000);
      expect(transport.posts).toHaveLength(0);
    });
  });

  describe('ready', () => {
    it('calls back once with the programmatic API, after init', async () => {
      const sdk = newSdk();
      sdk.api = { marker: true };
      const callback = vi.fn();
      push(sdk, 'ready', callback);
      expect(callback).not.toHaveBeenCalled();
      push(sdk, 'init', { apiUrl: API });
      expect(callback).toHaveBeenCalledTimes(1);
      expect(callback).toHaveBeenCalledWith({ marker: true });
    });

    it('logs a callback that throws, and goes on', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      push(sdk, 'ready', () => {
        throw new Error('oops');
      });
      push(sdk, 'tag.add', 'vip', token);
      await wait(1_000);
      expect(errors.lines()).toEqual(['[flamefy] ready: the callback threw: Error: oops']);
      expect(transport.messages).toHaveLength(1);
    });
  });

  describe('consent', () => {
    it("holds commands under 'pending', sending and writing nothing until granted", async () => {
      const setItem = vi.spyOn(Storage.prototype, 'setItem');
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API, consent: 'pending' });
      push(sdk, 'audience.register', person);
      push(sdk, 'tag.add', 'vip');
      await wait(60_000);
      expect(transport.posts).toHaveLength(0);
      expect(setItem).not.toHaveBeenCalled();
      expect(localStorage.length).toBe(0);
      expect(document.cookie).toBe('');

      push(sdk, 'consent', 'granted');
      await wait(5_000);
      expect(transport.messages.map((m) => m.type)).toEqual(['audience.register', 'tag.add']);
      expect(cookieToken()).toMatch(/^token-/);
    });

    it("discards held commands under 'denied', and removes the cookie and stored messages", async () => {
      document.cookie = 'flm_api_token=old-token; path=/';
      const stale = `flm1:${scope(API)}:deadpage:msg-1`;
      localStorage.setItem(stale, '{"m":{}}');
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API, consent: 'pending' });
      const held = sdk.run('tag.add', ['vip']);
      push(sdk, 'consent', 'denied');
      await expect(held).rejects.toThrow('tag.add: consent was denied');
      await expect(sdk.run('tag.add', ['later', token])).rejects.toThrow('tag.add: consent was denied');
      await wait(60_000);
      expect(transport.posts).toHaveLength(0);
      expect(document.cookie).toBe('');
      expect(flamefyKeys()).toEqual([]);
    });

    it('withdrawn after being granted, it leaves no flamefy key in storage, then or later', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      push(sdk, 'audience.register', person);
      await wait(1_000);
      expect(cookieToken()).toBeDefined();
      transport.answer = () => new Promise(() => undefined); // the next batch never answers
      push(sdk, 'tag.add', 'vip');
      await wait(0);
      expect(flamefyKeys().length).toBeGreaterThan(0);

      push(sdk, 'consent', 'denied');
      expect(document.cookie).toBe('');
      expect(flamefyKeys()).toEqual([]);
      await wait(60_000);
      expect(flamefyKeys()).toEqual([]);
    });
    it('rejects the promises of messages not yet answered when consent is withdrawn', async () => {
      transport.answer = () => new Promise(() => undefined); // in flight when consent goes
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      const inFlight = push(sdk, 'tag.add', 'in flight', token);
      await wait(1_000);
      expect(transport.posts).toHaveLength(1);
      const unsent = push(sdk, 'tag.add', 'not sent yet', token);
      push(sdk, 'consent', 'denied');
      await wait(0);
      await expect(Promise.race([inFlight, Promise.resolve('still pending')])).rejects.toThrow('tag.add: consent was denied');
      await expect(Promise.race([unsent, Promise.resolve('still pending')])).rejects.toThrow('tag.add: consent was denied');
    });

    it("refuses a consent other than 'granted' or 'denied' with one line", async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API, consent: 'pending' });
      push(sdk, 'consent', 'yes');
      expect(errors.lines()).toEqual(['[flamefy] consent: argument 1 (state): Expected one of "granted", "denied", but received: "yes"']);
    });
  });

  describe('identity', () => {
    it('makes a command without identity wait for the registration and carry its token', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      const registered = push(sdk, 'audience.register', person);
      const tagged = push(sdk, 'tag.add', 'vip');
      await wait(1_000);
      expect(transport.posts).toHaveLength(1);
      expect(transport.posts[0].batch.messages.map((m) => m.type)).toEqual(['audience.register']);
      const { audience } = (await registered) as { audience: { api_token: string } };

      await wait(1_000);
      expect(transport.posts).toHaveLength(2);
      expect(transport.posts[1].batch.messages).toEqual([
        expect.objectContaining({ type: 'tag.add', tag: 'vip', identity: { flm_api_token: audience.api_token } }),
      ]);
      await expect(tagged).resolves.toMatchObject({ status: 'accepted' });
    });

    it('stores the waiting messages with their token before it removes the registration', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      await wait(0);
      push(sdk, 'audience.register', person);
      push(sdk, 'tag.add', 'vip');
      const keyOf = (type: string) => flamefyKeys().find((k) => localStorage.getItem(k)!.includes(`"type":"${type}"`))!;
      const [regKey, tagKey] = [keyOf('audience.register'), keyOf('tag.add')];
      let tagRecordWhenRegistrationWent: string | null = null;
      const realRemove = Storage.prototype.removeItem;
      vi.spyOn(Storage.prototype, 'removeItem').mockImplementation(function (this: Storage, key: string) {
        if (key === regKey) tagRecordWhenRegistrationWent = localStorage.getItem(tagKey);
        realRemove.call(this, key);
      });
      await wait(1_000);
      expect(JSON.parse(tagRecordWhenRegistrationWent!)).toEqual({ m: expect.objectContaining({ tag: 'vip', identity: { flm_api_token: expect.stringMatching(/^token-/) } }) });
    });

    it('sets the flm_api_token cookie, which a later page uses', async () => {
      const first = newSdk();
      push(first, 'init', { apiUrl: API });
      push(first, 'audience.register', person);
      await wait(1_000);
      const saved = cookieToken();
      expect(saved).toMatch(/^token-\d+$/);

      const next = newSdk();
      push(next, 'init', { apiUrl: API });
      push(next, 'tag.add', 'returning');
      await wait(1_000);
      expect(transport.messages.at(-1)).toMatchObject({ type: 'tag.add', identity: { flm_api_token: saved } });
    });

    it('prefers an identity given with the command', async () => {
      document.cookie = 'flm_api_token=cookie-token; path=/';
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      push(sdk, 'tag.add', 'vip', { external_id: 'crm-1' });
      await wait(1_000);
      expect(transport.messages[0]).toMatchObject({ identity: { external_id: 'crm-1' } });
    });

    it('falls back to the cookie when the awaited registration is rejected', async () => {
      document.cookie = 'flm_api_token=cookie-token; path=/';
      transport.answer = (batch) => ({
        kind: 'answer',
        results: batch.messages.map((m) =>
          m.type === 'audience.register' ? { id: m.id, status: 'rejected', error: 'email taken' } : accepted(m),
        ),
      });
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      const registered = push(sdk, 'audience.register', person);
      push(sdk, 'tag.add', 'vip');
      await wait(3_000);
      await expect(registered).rejects.toThrow('audience.register: refused by the API: email taken');
      expect(transport.messages.map((m) => m.type)).toEqual(['audience.register', 'tag.add']);
      expect(transport.messages[1]).toMatchObject({ identity: { flm_api_token: 'cookie-token' } });
      expect(errors.lines()).toEqual(['[flamefy] audience.register: refused by the API: email taken']);
    });

    it('refuses the waiting commands when the registration is rejected and there is no cookie', async () => {
      transport.answer = (batch) => ({
        kind: 'answer',
        results: batch.messages.map((m) => ({ id: m.id, status: 'rejected', error: 'email taken' })),
      });
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      push(sdk, 'audience.register', person);
      const tagged = push(sdk, 'tag.add', 'vip');
      await wait(3_000);
      await expect(tagged).rejects.toThrow(
        'tag.add: dropped: the registration it waited for got no audience (email taken), and there is no other identity',
      );
      expect(transport.messages.map((m) => m.type)).toEqual(['audience.register']);
      expect(errors.lines().sort()).toEqual([
        '[flamefy] audience.register: refused by the API: email taken',
        '[flamefy] tag.add: dropped: the registration it waited for got no audience (email taken), and there is no other identity',
      ]);
    });

    it('does not leave commands waiting forever when the registration batch is dropped (400)', async () => {
      document.cookie = 'flm_api_token=cookie-token; path=/';
      transport.answer = (batch) =>
        batch.messages.some((m) => m.type === 'audience.register')
          ? { kind: 'status', status: 400, reason: 'unreadable body' }
          : acceptAll(batch);
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      push(sdk, 'audience.register', person);
      const waiting = push(sdk, 'tag.add', 'waiting');
      await wait(3_000);
      push(sdk, 'tag.add', 'later');
      await wait(3_000);
      expect(transport.messages.filter((m) => m.type === 'tag.add').map((m) => (m as { tag: string }).tag)).toEqual([
        'waiting',
        'later',
      ]);
      await expect(waiting).resolves.toMatchObject({ status: 'accepted' });
    });
    it('keeps the registration when the outbox cap pushes messages out, so that what follows still gets its token', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API, outboxMaxMessages: 3 });
      const registered = push(sdk, 'audience.register', person);
      const waiting = push(sdk, 'tag.add', 'waiting');
      push(sdk, 'tag.add', 'a', token);
      push(sdk, 'tag.add', 'b', token); // the fourth: the oldest after the registration goes
      await expect(waiting).rejects.toThrow('tag.add: dropped: the outbox is full');
      await wait(3_000);
      push(sdk, 'tag.add', 'after');
      await wait(3_000);
      expect(transport.messages.map((m) => (m as { tag?: string }).tag ?? m.type)).toEqual(['audience.register', 'a', 'b', 'after']);
      const answered = (await registered) as { audience: { api_token: string } };
      expect(transport.messages[3]).toMatchObject({ identity: { flm_api_token: answered.audience.api_token } });
      expect(errors.lines()).toEqual([]);
    });

    it('refuses a message over the size limit with one line naming its size', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      const extra = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`field_${i}`.padEnd(64, '_'), '東'.repeat(256)]));
      await expect(sdk.run('audience.register', [{ ...person, extra }])).rejects.toThrow(/^audience\.register: the message is \d+ bytes, over the limit of 32768$/);
      expect(errors.lines()).toHaveLength(1);
    });
  });

  describe('batching', () => {
    it('sends 120 commands as batches of 50, 50 and 20, in capture order', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      for (let i = 0; i < 120; i++) push(sdk, 'tag.add', `t${i}`, token);
      await wait(10);
      expect(transport.posts.map((p) => p.batch.messages.length)).toEqual([50, 50]);
      await wait(1_000);
      expect(transport.posts.map((p) => p.batch.messages.length)).toEqual([50, 50, 20]);
      expect(transport.messages.map((m) => m.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      expect(transport.maxInFlight).toBe(1);
    });

    it('sends a lone command batchWaitMs after it, not before', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API, batchWaitMs: 250 });
      push(sdk, 'tag.add', 'vip', token);
      await wait(249);
      expect(transport.posts).toHaveLength(0);
      await wait(1);
      expect(transport.posts).toHaveLength(1);
      expect(transport.posts[0].at).toBe(START + 250);
    });

    it('sends a full batch at once', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API, batchSize: 3 });
      for (const tag of ['a', 'b', 'c']) push(sdk, 'tag.add', tag, token);
      await wait(0);
      expect(transport.posts.map((p) => p.batch.messages.length)).toEqual([3]);
    });
  });

  describe('messages', () => {
    it('carry unique ids, seq in capture order and ISO capture times', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      sdk.run('tag.add', ['a', token], START - 2_000).catch(() => undefined);
      vi.setSystemTime(START + 100);
      push(sdk, 'tag.add', 'b', token);
      push(sdk, 'event.create', 'play', '12', '0', token);
      await wait(1_000);
      const [a, b, event] = transport.messages;
      expect(new Set([a.id, b.id, event.id]).size).toBe(3);
      for (const m of [a, b, event]) expect(m.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect([a.seq, b.seq, event.seq]).toEqual([1, 2, 3]);
      expect(a.ts).toBe(new Date(START - 2_000).toISOString());
      expect(b.ts).toBe(new Date(START + 100).toISOString());
      expect(transport.posts[0].batch.sent_at).toBe(new Date(transport.posts[0].at).toISOString());
      expect(event).toEqual({
        id: event.id,
        type: 'event.create',
        ts: b.ts,
        seq: 3,
        event_type: 'play',
        story_id: 12,
        step_position: 0,
        identity: token,
      } satisfies Message);
    });

    it('carry the fields of each type as the wire protocol names them', async () => {
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API });
      push(sdk, 'audience.registerViewer', '7', { ...person, country_code: 'fr' }, 'merge');
      push(sdk, 'viewer.create', 7, { audience_id: '3' });
      await wait(1_000);
      const [viewer, created] = transport.messages;
      expect(Object.keys(viewer)).toEqual(['id', 'type', 'ts', 'seq', 'story_id', 'attributes', 'write_mode']);
      expect(viewer).toMatchObject({ story_id: 7, attributes: { ...person, country_code: 'FR' }, write_mode: 'merge' });
      expect(Object.keys(created)).toEqual(['id', 'type', 'ts', 'seq', 'story_id', 'identity']);
      expect(created).toMatchObject({ story_id: 7, identity: { audience_id: 3 } });
    });
  });

  describe('per-command cost', () => {
    // The seq number grows by a digit from the 10th to the 1,000th: it is not counted.
    const sameSeq = (text: string) => text.replace(/"seq":\d+/g, '"seq":0');

    /** What pushing one more command writes to storage and serialises. */
    function costOfOne(sdk: Sdk, tag: string) {
      const setItem = vi.spyOn(Storage.prototype, 'setItem');
      const stringify = vi.spyOn(JSON, 'stringify');
      push(sdk, 'tag.add', tag, token);
      const writes = setItem.mock.calls.map(([key, value]) => ({
        key: String(key),
        bytes: sameSeq(String(value)).length,
        value: String(value),
      }));
      const outputs = stringify.mock.results.map((r) => String(r.value));
      const serialised = outputs.reduce((sum, text) => sum + sameSeq(text).length, 0);
      for (const text of outputs) expect(text.match(/"tag":"t\d+"/g) ?? [`"tag":"${tag}"`]).toEqual([`"tag":"${tag}"`]);
      setItem.mockRestore();
      stringify.mockRestore();
      return { writes, serialised };
    }

    it('writes one key and serialises only its own message, for the 10th command as for the 1,000th', async () => {
      transport.answer = () => new Promise(() => undefined); // nothing is ever answered: the outbox only grows
      const sdk = newSdk();
      push(sdk, 'init', { apiUrl: API, batchSize: 500 });
      await wait(0); // the page claims its place and starts persisting
      for (let i = 1; i < 10; i++) push(sdk, 'tag.add', `t${String(i).padStart(4, '0')}`, token);
      const tenth = costOfOne(sdk, 't0010');
      for (let i = 11; i < 1000; i++) push(sdk, 'tag.add', `t${String(i).padStart(4, '0')}`, token);
      const thousandth = costOfOne(sdk, 't1000');

      for (const cost of [tenth, thousandth]) {
        expect(cost.writes).toHaveLength(1);
        expect(cost.writes[0].key).toMatch(new RegExp(`^flm1:${scope(API)}:[0-9a-f]{8}:[0-9a-f-]{36}$`));
      }
      expect(thousandth.writes[0].value).toContain('"tag":"t1000"');
      expect(thousandth.writes[0].value).not.toContain('t0999');
      expect(thousandth.writes[0].bytes).toBe(tenth.writes[0].bytes);
      expect(thousandth.serialised).toBe(tenth.serialised);
      expect(thousandth.serialised).toBeLessThan(4 * thousandth.writes[0].bytes);
    });
  });
});
