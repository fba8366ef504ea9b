// Blocked environments ("Never break the host page"): storage, cookies,
// sendBeacon, keepalive or crypto.randomUUID missing or throwing, as private
// modes, sandboxed frames, old engines and privacy tools make them. In each, the
// bundle loads without an uncaught error and the commands reach the collector.
import { bundleLoaded, expect, pageErrors, sdkErrors, test } from './support/fixtures';
import { ADA, pushTags, registerAda, tagNames } from './support/robust';

const before = (code: string) => `window.flmq = window.flmq || [];\n${code}`;

test.describe('in a blocked environment', () => {
  test('a localStorage whose getter throws SecurityError leaves delivery in memory', async ({ page, site, collector }) => {
    await registerAda(collector);
    await page.addInitScript(() => {
      Object.defineProperty(window, 'localStorage', {
        configurable: true,
        get() {
          throw new DOMException('The operation is insecure.', 'SecurityError');
        },
      });
    });
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    await page.goto(site.page('/no-storage', collector, { before: before(pushTags('early', 3)), after: pushTags('snippet', 2) }));
    await page.waitForFunction(bundleLoaded);
    expect(
      await page.evaluate(() => {
        try {
          return typeof window.localStorage;
        } catch (e) {
          return (e as DOMException).name;
        }
      }),
    ).toBe('SecurityError');
    await page.evaluate(pushTags('late', 3));

    const stored = await collector.accepted(8);
    expect(stored.map((m) => m.tag)).toEqual([...tagNames('early', 3), ...tagNames('snippet', 2), ...tagNames('late', 3)]);
    expect(thrown).toEqual([]);
    expect(lines).toEqual([]);
  });

  test('a setItem that throws QuotaExceededError leaves delivery in memory', async ({ page, site, collector }) => {
    await registerAda(collector);
    await page.addInitScript(() => {
      Storage.prototype.setItem = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
    });
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    await page.goto(site.page('/storage-full', collector, { before: before(pushTags('early', 3)) }));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(pushTags('late', 3));

    const stored = await collector.accepted(6);
    expect(stored.map((m) => m.tag)).toEqual([...tagNames('early', 3), ...tagNames('late', 3)]);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('flm')))).toEqual([]);
    expect(thrown).toEqual([]);
    expect(lines).toEqual([]);
  });

  test('on a site whose own data filled localStorage, the next page still sends what an earlier page left there', async ({
    page,
    site,
    collector,
  }) => {
    site.serve('/between', '<!doctype html><p>no snippet</p>');
    // Page 1 is left with ten tags unanswered: the API fails its beacon.
    await collector.faults({ status: 503, times: 1000 });
    await page.goto(site.page('/left', collector, { init: { batchWaitMs: 60_000 }, after: pushTags('left', 10) }));
    await page.waitForFunction(bundleLoaded);
    await page.goto(`${site.url}/between`);
    await expect.poll(async () => (await collector.stats()).requests).toBeGreaterThan(0);
    await collector.reset();
    await registerAda(collector);
    // The site's own cache then fills storage to the quota.
    const leftKeys = await page.evaluate(() => {
      for (let size = 1 << 20, n = 0; size >= 1; ) {
        try {
          localStorage.setItem(`site-cache-${n++}`, 'x'.repeat(size));
        } catch {
          size >>= 1;
        }
      }
      return Object.keys(localStorage).filter((k) => k.startsWith('flm1:')).length;
    });
    expect(leftKeys).toBe(10);
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);

    await page.goto(site.page('/next', collector));
    const stored = await collector.accepted(10);
    expect(stored.map((m) => m.tag)).toEqual(tagNames('left', 10));
    await expect.poll(() => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('flm1:')).length)).toBe(0);
    expect(thrown).toEqual([]);
    expect(lines).toEqual([]);
  });

  test('with cookies blocked, commands with an identity go, and so do those after a registration on the page', async ({ page, site, collector }) => {
    await registerAda(collector);
    await page.addInitScript(() => {
      // As in a sandboxed frame without allow-same-origin: document.cookie throws both ways.
      const denied = () => {
        throw new DOMException('Access is denied for this document.', 'SecurityError');
      };
      Object.defineProperty(Document.prototype, 'cookie', { configurable: true, get: denied, set: denied });
    });
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    const grace = { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com' };
    await page.goto(
      site.page('/no-cookies', collector, {
        before: before(pushTags('early', 2)),
        after: `flmq.push(['audience.register', ${JSON.stringify(grace)}], ['tag.add', 'grace-in-memory']);`,
      }),
    );
    await page.waitForFunction(bundleLoaded);
    expect(await page.evaluate(() => { try { return document.cookie; } catch (e) { return (e as DOMException).name; } })).toBe('SecurityError');
    await page.evaluate(pushTags('late', 2));

    // The tag that waits for the registration's answer arrives after it: push order is seq order.
    const stored = (await collector.accepted(6)).sort((a, b) => a.seq - b.seq);
    const registered = (await collector.audiences()).find((a) => a.attributes.email === grace.email);
    expect(stored).toMatchObject([
      { tag: 'early0', identity: { external_id: ADA.external_id } },
      { tag: 'early1', identity: { external_id: ADA.external_id } },
      { type: 'audience.register', attributes: grace },
      // No cookie to keep the token in: the page remembers it.
      { tag: 'grace-in-memory', identity: { flm_api_token: registered.api_token } },
      { tag: 'late0', identity: { external_id: ADA.external_id } },
      { tag: 'late1', identity: { external_id: ADA.external_id } },
    ]);
    expect(await page.context().cookies()).toEqual([]);
    expect(thrown).toEqual([]);
    expect(lines).toEqual([]);
  });

  test('without navigator.sendBeacon, commands pushed as the page is left arrive by keepalive fetch', async ({ page, site, collector }) => {
    await registerAda(collector);
    await page.addInitScript(() => {
      delete (Navigator.prototype as Partial<Navigator>).sendBeacon;
    });
    const thrown = pageErrors(page);
    // No SDK on the next page: whatever arrives was sent by the page that was left.
    site.serve('/plain', '<!doctype html><p>no SDK here</p>');
    await page.goto(site.page('/no-beacon', collector));
    await page.waitForFunction(bundleLoaded);
    expect(await page.evaluate(() => 'sendBeacon' in navigator)).toBe(false);
    await page.evaluate(`${pushTags('leaving', 20)}\nlocation.href = '/plain';`);
    await page.waitForURL('**/plain');

    const stored = await collector.accepted(20);
    expect(stored.map((m) => m.tag)).toEqual(tagNames('leaving', 20));
    expect((await collector.stats()).duplicate).toBe(0);
    expect(thrown).toEqual([]);
  });

  test('a fetch wrapper that drops keepalive does not stop delivery', async ({ page, site, collector }) => {
    await registerAda(collector);
    await page.addInitScript(() => {
      const asked: boolean[] = [];
      Object.defineProperty(window, '__keepaliveAsked', { value: asked });
      const original = window.fetch;
      window.fetch = function (input: RequestInfo | URL, init?: RequestInit) {
        if (init && 'keepalive' in init) {
          asked[asked.length] = !!init.keepalive;
          init = { ...init };
          delete init.keepalive;
        }
        return original.call(this, input, init);
      };
    });
    const thrown = pageErrors(page);
    await page.goto(site.page('/no-keepalive', collector, { before: before(pushTags('early', 3)) }));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(pushTags('late', 3));

    const stored = await collector.accepted(6);
    expect(stored.map((m) => m.tag)).toEqual([...tagNames('early', 3), ...tagNames('late', 3)]);
    // The SDK asked for keepalive; the wrapper took it away.
    expect(await page.evaluate(() => (window as any).__keepaliveAsked)).toContain(true);
    expect(thrown).toEqual([]);
  });

  test('without sendBeacon and with keepalive dropped, what dies with the page left is sent by the next page of the site', async ({ page, site, collector }) => {
    await registerAda(collector);
    await page.addInitScript(() => {
      delete (Navigator.prototype as Partial<Navigator>).sendBeacon;
      const original = window.fetch;
      window.fetch = function (input: RequestInfo | URL, init?: RequestInit) {
        const { keepalive, ...rest } = init ?? {};
        return original.call(this, input, rest);
      };
    });
    const thrown = pageErrors(page);
    site.page('/next', collector);
    await page.goto(site.page('/doomed', collector));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(`${pushTags('doomed', 10)}\nlocation.href = '/next';`);
    await page.waitForURL('**/next');

    // Whether the cut request reached the API or not, every message is stored once.
    const stored = await collector.accepted(10);
    expect(stored.map((m) => m.tag).sort()).toEqual(tagNames('doomed', 10).sort());
    await expect.poll(() => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('flm1:')).length)).toBe(0);
    expect((await collector.accepted(10)).length).toBe(10);
    expect(thrown).toEqual([]);
  });

  test('without crypto.randomUUID, message ids are still unique UUIDs of version 4', async ({ page, site, collector }) => {
    await registerAda(collector);
    await page.addInitScript(() => {
      delete (Crypto.prototype as Partial<Crypto>).randomUUID;
    });
    const thrown = pageErrors(page);
    await page.goto(site.page('/no-uuid', collector, { before: before(pushTags('early', 50)) }));
    await page.waitForFunction(bundleLoaded);
    expect(await page.evaluate(() => typeof crypto.randomUUID)).toBe('undefined');
    await page.evaluate(pushTags('late', 50));

    const stored = await collector.accepted(100);
    const ids = stored.map((m) => m.id as string);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(100);
    expect(thrown).toEqual([]);
  });

  test('with storage, cookies, sendBeacon and crypto.randomUUID all gone at once, the page still delivers', async ({ page, site, collector }) => {
    await registerAda(collector);
    await page.addInitScript(() => {
      const insecure = () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      };
      Object.defineProperty(window, 'localStorage', { configurable: true, get: insecure });
      Object.defineProperty(window, 'sessionStorage', { configurable: true, get: insecure });
      Object.defineProperty(Document.prototype, 'cookie', { configurable: true, get: insecure, set: insecure });
      delete (Navigator.prototype as Partial<Navigator>).sendBeacon;
      delete (Crypto.prototype as Partial<Crypto>).randomUUID;
    });
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    site.serve('/plain', '<!doctype html><p>no SDK here</p>');
    await page.goto(site.page('/bunker', collector, { before: before(pushTags('early', 3)) }));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(pushTags('late', 3));
    await collector.accepted(6);
    await page.evaluate(`${pushTags('leaving', 3)}\nlocation.href = '/plain';`);
    await page.waitForURL('**/plain');

    const stored = await collector.accepted(9);
    expect(stored.map((m) => m.tag)).toEqual([...tagNames('early', 3), ...tagNames('late', 3), ...tagNames('leaving', 3)]);
    expect(thrown).toEqual([]);
    expect(lines).toEqual([]);
  });
});
