// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Batch, Message } from '../src/protocol';
import { accepted, resetPage, spyErrors } from './support/fakes';

const API = 'https://api.flamefy.example';
const person = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', country_code: 'fr' };

let received: Message[];
let requests: { url: string; init: RequestInit }[];
let errors: ReturnType<typeof spyErrors>;

/** A fresh copy of the package, as a page that loads it gets. */
async function load() {
  vi.resetModules();
  return import('../src/index');
}

/** Settles the promise while the fake clock runs the batch timers. */
async function settle<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  await vi.advanceTimersByTimeAsync(5_000);
  return promise;
}

beforeEach(() => {
  vi.useFakeTimers();
  resetPage();
  errors = spyErrors();
  received = [];
  requests = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      requests.push({ url, init });
      const batch = JSON.parse(String(init.body)) as Batch;
      received.push(...batch.messages);
      return new Response(JSON.stringify({ results: batch.messages.map((m) => accepted(m)) }), { status: 200 });
    }),
  );
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  resetPage();
});

describe('the programmatic API', () => {
  it('registers an audience and resolves to an FlmAudience with id, apiToken and attributes', async () => {
    const { init, FlmAudience, FlmCookie } = await load();
    await init({ apiUrl: API });
    const audience = await settle(FlmAudience.register(person, 'merge'));
    expect(audience).toBeInstanceOf(FlmAudience);
    expect(audience.id).toBeGreaterThan(0);
    expect(audience.apiToken).toMatch(/^token-/);
    expect(audience.attributes).toEqual({ ...person, country_code: 'FR' });
    expect(FlmCookie.apiToken).toBe(audience.apiToken);
    expect(received).toEqual([expect.objectContaining({ type: 'audience.register', write_mode: 'merge' })]);
  });

  it('resolves FlmEvent, FlmViewer and FlmTag calls once the API has answered', async () => {
    const { init, FlmEvent, FlmViewer, FlmTag, FlmAudience } = await load();
    await init({ apiUrl: API });
    const viewer = settle(FlmAudience.registerViewer('12', person));
    const event = settle(FlmEvent.create('play', 12, '0'));
    const created = settle(FlmViewer.create(12, { external_id: 'crm-1' }));
    const tagged = settle(FlmTag.add('vip'));
    await expect(viewer).resolves.toMatchObject({ attributes: { country_code: 'FR' } });
    await expect(event).resolves.toEqual(new FlmEvent(9));
    await expect(created).resolves.toEqual(new FlmViewer(4));
    await expect(tagged).resolves.toBeUndefined();
    // event.create and tag.add wait for the registration; viewer.create names
    // its audience, yet does not overtake the event captured before it.
    expect(received.map((m) => m.type)).toEqual(['audience.registerViewer', 'event.create', 'viewer.create', 'tag.add']);
    const token = { flm_api_token: (await viewer).apiToken };
    expect(received.slice(1).map((m) => (m as { identity: unknown }).identity)).toEqual([token, { external_id: 'crm-1' }, token]);
  });

  it('rejects with an error naming the command and the fault, logged once', async () => {
    const { init, FlmTag, FlmError } = await load();
    await init({ apiUrl: API });
    const refused = FlmTag.add('', { flm_api_token: 'tok' });
    await expect(refused).rejects.toBeInstanceOf(FlmError);
    await expect(refused).rejects.toThrow('tag.add: argument 1 (tag): Expected a non-empty string of at most 128 characters, but received: ""');
    expect(errors.lines()).toHaveLength(1);
  });

  it('posts text/plain to {apiUrl}/v1/batch, with no token in the address', async () => {
    const { init, FlmTag } = await load();
    await init({ apiUrl: `${API}/` });
    await settle(FlmTag.add('vip', { flm_api_token: 'secret-token' }));
    expect(requests).toHaveLength(1);
    expect(requests[0].url).toBe(`${API}/v1/batch`);
    expect(requests[0].init).toMatchObject({ method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, credentials: 'omit' });
    expect(requests[0].url).not.toContain('secret-token');
  });

  it("passes the API to 'ready' callbacks", async () => {
    const index = await load();
    const { sdk } = await import('../src/api');
    const given = vi.fn();
    void sdk.run('ready', [given]);
    await index.init({ apiUrl: API });
    expect(given).toHaveBeenCalledTimes(1);
    const api = given.mock.calls[0][0];
    expect(Object.isFrozen(api)).toBe(true);
    expect(api.FlmTag).toBe(index.FlmTag);
    expect(api.init).toBe(index.init);
  });

  describe('FlmViewer.action', () => {
    it("gives the API address of a story's viewers", async () => {
      const { init, FlmViewer } = await load();
      await init({ apiUrl: API });
      expect(FlmViewer.action(42)).toBe(`${API}/v1/stories/42/viewers`);
      expect(FlmViewer.action('42')).toBe(`${API}/v1/stories/42/viewers`);
    });

    it('is empty, with one line, before init or for a bad id', async () => {
      const { init, FlmViewer } = await load();
      expect(FlmViewer.action(42)).toBe('');
      await init({ apiUrl: API });
      expect(FlmViewer.action('abc')).toBe('');
      expect(errors.lines()).toEqual([
        '[flamefy] FlmViewer.action: called before init, so the API address is not known yet',
        '[flamefy] FlmViewer.action: argument 1 (storyId): Expected a positive integer, but received: "abc"',
      ]);
    });
  });

  it('reads FlmCookie.apiToken from the cookie, undefined without it', async () => {
    const { FlmCookie } = await load();
    expect(FlmCookie.apiToken).toBeUndefined();
    document.cookie = 'flm_api_token=abc; path=/';
    expect(FlmCookie.apiToken).toBe('abc');
  });
});
