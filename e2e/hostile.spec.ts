// Pages that fight back ("Never break the host page"): scripts that replace
// window.flmq, Array.prototype.push or window.fetch, values built to break
// whoever reads them, and input limits (prototype pollution, the token cookie,
// nothing personal in a URL). Each asserts what the collector received and that
// nothing was thrown into the page.
import type { Request } from '@playwright/test';
import { bundleLoaded, expect, pageErrors, sdkErrors, test } from './support/fixtures';
import { ADA, pushTags, registerAda, runClock, tagNames } from './support/robust';

const EXT = { external_id: ADA.external_id };

test.describe('on a page that fights back', () => {
  test('a new array assigned to window.flmq after the bundle loaded is taken over, and older references keep working', async ({
    page,
    site,
    collector,
  }) => {
    await registerAda(collector);
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    await page.goto(site.page('/reassigned', collector));
    await page.waitForFunction(bundleLoaded);
    const same = await page.evaluate((id) => {
      const old = window.flmq;
      const fresh: unknown[] = [];
      fresh.push(['tag.add', 'held-by-the-new-array', id]);
      window.flmq = fresh;
      window.flmq.push(['tag.add', 'pushed-to-the-new-array', id]);
      old.push(['tag.add', 'pushed-to-the-old-reference', id]);
      return window.flmq === fresh;
    }, EXT);

    const stored = await collector.accepted(3);
    expect(stored.map((m) => m.tag)).toEqual(['held-by-the-new-array', 'pushed-to-the-new-array', 'pushed-to-the-old-reference']);
    expect(same).toBe(true);
    expect(thrown).toEqual([]);
    expect(lines).toEqual([]);
  });

  test('assigning anything but an array to window.flmq is refused with one line, and flmq stays the queue', async ({ page, site, collector }) => {
    await registerAda(collector);
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    await page.goto(site.page('/not-an-array', collector));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(`window.flmq = { push: function () { throw new Error('not mine'); } };\n${pushTags('still', 2)}`);

    const stored = await collector.accepted(2);
    expect(stored.map((m) => m.tag)).toEqual(tagNames('still', 2));
    expect(lines).toEqual(['[flamefy] window.flmq: Expected an array, but received: an object; the assignment is ignored']);
    expect(thrown).toEqual([]);
  });

  for (const [how, replacement] of [
    ['with a function that throws', `function () { throw new Error('push is disabled on this site'); }`],
    ['with a function that pushes nothing and returns undefined', `function () { return undefined; }`],
  ]) {
    test(`Array.prototype.push replaced ${how} after the bundle loaded: flmq.push commands still go and nothing throws`, async ({
      page,
      site,
      collector,
    }) => {
      await registerAda(collector);
      const thrown = pageErrors(page);
      const lines = sdkErrors(page);
      await page.goto(site.page('/no-push', collector));
      await page.waitForFunction(bundleLoaded);
      const grace = { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com' };
      // Nothing comes back from this evaluate: Playwright's own result serialisation calls push.
      await page.evaluate(
        ([code, id, attributes]) => {
          const original = Array.prototype.push;
          (window as any).__restorePush = () => {
            Array.prototype.push = original;
          };
          Array.prototype.push = (0, eval)(`(${code})`);
          window.flmq.push(['tag.add', 'before-registration', id]);
          window.flmq.push(['tag.add', 42, id]);
          // The tag without identity waits for the registration's answer, and its token.
          window.flmq.push(['audience.register', attributes], ['tag.add', 'after-registration']);
          window.flmq.push(['event.create', 'click', '42', 3, id]);
        },
        [replacement, EXT, grace] as const,
      );

      const stored = (await collector.accepted(4)).sort((a, b) => a.seq - b.seq);
      const registered = (await collector.audiences()).find((a) => a.attributes.email === grace.email);
      expect(stored).toMatchObject([
        { type: 'tag.add', tag: 'before-registration', identity: EXT },
        { type: 'audience.register', attributes: grace },
        { type: 'tag.add', tag: 'after-registration', identity: { flm_api_token: registered.api_token } },
        { type: 'event.create', event_type: 'click', story_id: 42, step_position: 3, identity: EXT },
      ]);
      expect(lines).toEqual(['[flamefy] tag.add: argument 1 (tag): Expected a non-empty string of at most 128 characters, but received: 42']);
      expect(thrown).toEqual([]);
      // Left replaced while the SDK delivered.
      await page.evaluate(() => {
        (window as any).__restorePush();
      });
    });
  }

  test('an APM wrapper around window.fetch, installed after the bundle loaded, sees every request of the SDK, and delivery works', async ({
    page,
    site,
    collector,
  }) => {
    await registerAda(collector);
    const before = await collector.stats();
    const thrown = pageErrors(page);
    await page.goto(site.page('/apm', collector));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as any).__apmSeen = seen;
      const original = window.fetch;
      window.fetch = function (input: RequestInfo | URL, init?: RequestInit) {
        seen[seen.length] = `${init?.method ?? 'GET'} ${input instanceof Request ? input.url : String(input)}`;
        return original.apply(this, [input, init]);
      };
    });
    await page.evaluate(pushTags('watched', 5));
    await collector.accepted(5);
    await page.evaluate(pushTags('watched-again', 3));

    const stored = await collector.accepted(8);
    expect(stored.map((m) => m.tag)).toEqual([...tagNames('watched', 5), ...tagNames('watched-again', 3)]);
    const seen: string[] = await page.evaluate(() => (window as any).__apmSeen);
    const requests = (await collector.stats()).requests - before.requests;
    expect(requests).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual(Array(requests).fill(`POST ${collector.url}/v1/batch`));
    expect(thrown).toEqual([]);
  });

  test('a fetch wrapper that throws synchronously twice counts as two network errors: retried with backoff, delivered once', async ({
    page,
    site,
    collector,
  }) => {
    await registerAda(collector);
    const before = await collector.stats();
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    await page.goto(site.page('/apm-broken', collector));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(() => {
      const calls: number[] = [];
      (window as any).__wrapperCalls = calls;
      const original = window.fetch;
      window.fetch = function (input: RequestInfo | URL, init?: RequestInit) {
        calls[calls.length] = Date.now();
        if (calls.length <= 2) throw new TypeError('APM agent crashed');
        return original.apply(this, [input, init]);
      };
    });
    await page.evaluate(pushTags('despite-apm', 4));

    const stored = await collector.accepted(4);
    expect(stored.map((m) => m.tag)).toEqual(tagNames('despite-apm', 4));
    expect(await page.evaluate(() => (window as any).__wrapperCalls.length)).toBe(3);
    const stats = await collector.stats();
    expect(stats.requests - before.requests).toBe(1);
    expect(stats.duplicate).toBe(0);
    expect(thrown).toEqual([]);
    expect(lines).toEqual([]);
  });

  test('a fetch wrapper that always throws: the page gives up after at most 10 attempts and the next page delivers', async ({
    page,
    site,
    collector,
  }) => {
    await registerAda(collector);
    await page.clock.install();
    const thrown = pageErrors(page);
    await page.goto(site.page('/apm-dead', collector, { after: pushTags('stranded', 4) }));
    await expect.poll(() => page.evaluate(() => window.__flamefyQueue === true)).toBe(true);
    await page.evaluate(() => {
      let calls = 0;
      Object.defineProperty(window, '__wrapperCalls', { get: () => calls });
      window.fetch = function () {
        calls++;
        throw new TypeError('APM agent crashed');
      };
    });

    await runClock(page, 15 * 60_000, 2000);
    const calls = await page.evaluate(() => (window as any).__wrapperCalls);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(10);
    expect((await collector.stats()).messages).toBe(1); // Ada's registration, by the test
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('flm1:')).length)).toBe(4);
    expect(thrown).toEqual([]);

    // A new page without the broken wrapper takes the messages over.
    await page.goto(site.page('/apm-fixed', collector));
    await expect.poll(() => page.evaluate(() => window.__flamefyQueue === true)).toBe(true);
    await runClock(page, 5_000, 500);
    const stored = await collector.accepted(4);
    expect(stored.map((m) => m.tag)).toEqual(tagNames('stranded', 4));
    expect(thrown).toEqual([]);
  });
});

test.describe('a page that froze the built-ins (SES lockdown, hardened JS)', () => {
  test('valid commands arrive, a bad one and one the API rejects cost one line each, and nothing throws or rejects unhandled', async ({
    page,
    site,
    collector,
  }) => {
    await registerAda(collector);
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    const unhandled: string[] = [];
    await page.exposeFunction('reportUnhandled', (reason: string) => unhandled.push(reason));
    await page.goto(
      site.page('/frozen', collector, {
        before:
          `window.addEventListener('unhandledrejection', function (e) { window.reportUnhandled(String(e.reason)); });` +
          `[Object, Array, Function, Error, Promise].forEach(function (c) { Object.freeze(c.prototype); });`,
        after:
          `flmq.push(['tag.add', 'a', ${JSON.stringify(EXT)}], ['tag.add', 42, ${JSON.stringify(EXT)}], ['tag.add', 'nobody', { external_id: 'nobody' }], ['tag.add', 'b', ${JSON.stringify(EXT)}]);` +
          `flmq.push(['ready', function (flm) { flm.FlmTag.add(43).catch(function () {}); }]);`,
      }),
    );

    await expect.poll(async () => (await collector.messages()).length).toBe(3);
    const received = (await collector.messages()).map((r) => [r.status, r.message.tag]);
    expect(received).toEqual([
      ['accepted', 'a'],
      ['rejected', 'nobody'],
      ['accepted', 'b'],
    ]);
    await expect.poll(() => lines.length).toBe(3);
    expect(lines[0]).toBe('[flamefy] tag.add: argument 1 (tag): Expected a non-empty string of at most 128 characters, but received: 42');
    expect(lines[1]).toMatch(/^\[flamefy\] tag\.add: argument 1 \(tag\): .* but received: 43$/);
    expect(lines[2]).toMatch(/^\[flamefy\] tag\.add: refused by the API: /);
    expect(thrown).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});

test.describe('values built to break whoever reads them', () => {
  test('a Proxy whose traps throw, pushed into flmq, is refused with one line and the next command goes', async ({ page, site, collector }) => {
    await registerAda(collector);
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    await page.goto(site.page('/proxy', collector));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate((id) => {
      const trap = () => {
        throw new Error('trap');
      };
      window.flmq.push(new Proxy({}, { get: trap, getPrototypeOf: trap, ownKeys: trap }));
      window.flmq.push(new Proxy([], { get: trap }));
      window.flmq.push(['tag.add', 'after-the-proxies', id]);
    }, EXT);

    const stored = await collector.accepted(1);
    expect(stored.map((m) => m.tag)).toEqual(['after-the-proxies']);
    expect(thrown).toEqual([]);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^\[flamefy\] flmq\.push: /);
  });

  test('an identity whose getter throws is refused with one line naming the command and the argument', async ({ page, site, collector }) => {
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    await page.goto(site.page('/getter', collector));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(() => {
      window.flmq.push([
        'tag.add',
        'vip',
        {
          get external_id(): string {
            throw new Error('boom');
          },
        },
      ]);
    });
    await expect.poll(() => lines.length).toBe(1);
    expect(lines[0]).toMatch(/^\[flamefy\] tag\.add: argument 2 \(identity\): .*boom/);
    expect(thrown).toEqual([]);
  });

  test('a value that cannot be turned into text is refused naming its argument and what it received', async ({ page, site, collector }) => {
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    await page.goto(site.page('/untextable', collector));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(() => {
      let deep: unknown = [];
      for (let i = 0; i < 20_000; i++) deep = [deep];
      const identity = { external_id: 'ext-ada' };
      window.flmq.push(
        ['viewer.create', Object.create(null), identity],
        ['viewer.create', deep, identity],
        ['tag.add', 'vip', deep],
        ['tag.add', 'vip', []],
        ['consent', Object.create(null)],
        ['audience.register', { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' }, Object.create(null)],
      );
    });
    await expect.poll(() => lines.length).toBe(6);
    expect(lines).toEqual([
      expect.stringMatching(/^\[flamefy\] viewer\.create: argument 1 \(storyId\): Expected a positive integer, but received: an object$/),
      expect.stringMatching(/^\[flamefy\] viewer\.create: argument 1 \(storyId\): Expected a positive integer, but received: an array$/),
      expect.stringMatching(/^\[flamefy\] tag\.add: argument 2 \(identity\): Expected .+, but received: an array$/),
      expect.stringMatching(/^\[flamefy\] tag\.add: argument 2 \(identity\): Expected .+, but received: an array$/),
      expect.stringMatching(/^\[flamefy\] consent: argument 1 \(state\): Expected .+, but received: an object$/),
      expect.stringMatching(/^\[flamefy\] audience\.register: argument 2 \(writeMode\): Expected .+, but received: an object$/),
    ]);
    expect((await collector.stats()).messages).toBe(0);
    expect(thrown).toEqual([]);
  });
});

test.describe('input limits', () => {
  const POLLUTING = '{"first_name":"A","last_name":"B","email":"a@b.co","extra":{"__proto__":{"polluted":1}}}';

  test('a registration whose extra holds "__proto__" is refused with one line and pollutes nothing', async ({ page, site, collector }) => {
    await registerAda(collector);
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    await page.goto(site.page('/pollution', collector));
    await page.waitForFunction(bundleLoaded);
    // The tag behind it goes in the same batch or the next: nothing is sent out of order.
    await page.evaluate(
      ([json, id]) => window.flmq.push(['audience.register', JSON.parse(json)], ['tag.add', 'after-the-pollution', id]),
      [POLLUTING, EXT] as const,
    );

    const stored = await collector.accepted(1);
    expect(stored.map((m) => m.tag)).toEqual(['after-the-pollution']);
    expect((await collector.messages()).map((r) => r.message.type)).toEqual(['tag.add']);
    expect(lines).toEqual([expect.stringMatching(/^\[flamefy\] audience\.register: argument 1 \(attributes\): extra: __proto__: /)]);
    expect(await page.evaluate(() => [({} as any).polluted, (Object.prototype as any).polluted])).toEqual([undefined, undefined]);
    expect(thrown).toEqual([]);
  });

  test('custom fields named "constructor" and "length" are accepted and arrive as plain data', async ({ page, site, collector }) => {
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    const attributes = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', extra: { constructor: 'x', length: 3 } };
    await page.goto(site.page('/plain-data', collector, { after: `flmq.push(['audience.register', ${JSON.stringify(attributes)}]);` }));

    const [registration] = await collector.accepted(1);
    expect(registration.attributes.extra).toEqual({ constructor: 'x', length: 3 });
    const [audience] = await collector.audiences();
    expect(audience.attributes.extra).toEqual({ constructor: 'x', length: 3 });
    expect(await page.evaluate(() => [({}).constructor === Object, typeof ({} as any).length])).toEqual([true, 'undefined']);
    expect(lines).toEqual([]);
    expect(thrown).toEqual([]);
  });

  test('the token cookie holds only the token, under 200 bytes, and no request address carries the token or the email', async ({
    page,
    site,
    collector,
  }) => {
    const urls: string[] = [];
    page.context().on('request', (r: Request) => urls.push(r.url()));
    const email = `${'e'.repeat(240)}@example.com`;
    const long = (c: string) => c.repeat(256);
    const attributes = {
      first_name: 'F'.repeat(100),
      last_name: 'L'.repeat(100),
      email,
      phone: '+33612345678',
      zip_code: 'Z'.repeat(16),
      title: 'dr',
      job_title: long('j'),
      country_code: 'fr',
      external_id: long('x'),
      company: long('c'),
      extra: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`field_${i}`, long(String(i % 10))])),
    };
    await page.goto(
      site.page('/long-attributes', collector, { after: `flmq.push(['audience.register', ${JSON.stringify(attributes)}], ['tag.add', 'registered']);` }),
    );
    await collector.accepted(2);
    const [audience] = await collector.audiences();
    const token: string = audience.api_token;

    await expect.poll(() => page.evaluate(() => document.cookie)).toBe(`flm_api_token=${token}`);
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => [c.name, c.value])).toEqual([['flm_api_token', token]]);
    expect(Buffer.byteLength(`flm_api_token=${token}`)).toBeLessThan(200);

    // A later page speaks through the cookie.
    site.page('/returning', collector, { after: `flmq.push(['tag.add', 'returning'], ['viewer.create', 42]);` });
    await page.goto(`${site.url}/returning`);
    const stored = await collector.accepted(4);
    expect(stored.slice(2)).toMatchObject([
      { tag: 'returning', identity: { flm_api_token: token } },
      { story_id: 42, identity: { flm_api_token: token } },
    ]);

    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      const decoded = decodeURIComponent(url);
      expect(decoded, url).not.toContain(token);
      expect(decoded, url).not.toContain(email);
      expect(decoded, url).not.toContain('@example.com');
      expect(decoded, url).not.toContain('F'.repeat(100));
    }
  });
});
