// Strict Content Security Policy ("Never break the host page"): the loader and
// the bundle run under a nonce-only script-src and under enforced Trusted Types,
// the bundle needs no eval, and an API that connect-src blocks costs the page
// a bounded number of attempts and nothing else.
import { readFileSync } from 'node:fs';
import { bundleLoaded, expect, pageErrors, sdkErrors, test, type Collector, type Site } from './support/fixtures';
import { pushTags, registerAda, runClock, tagNames, violations, watchViolations } from './support/robust';

const NONCE = 'abc';
const strict = (collectorUrl: string) => `script-src 'nonce-${NONCE}' ; connect-src ${collectorUrl} ; default-src 'none'`;
const before = (code: string) => `window.flmq = window.flmq || [];\n${code}`;

test.describe('under a strict CSP', () => {
  test("a nonce-only script-src runs the loader and the bundle, which deliver", async ({ page, site, collector }) => {
    await registerAda(collector);
    await watchViolations(page);
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    await page.goto(
      site.page('/csp-nonce', collector, {
        nonce: NONCE,
        headers: { 'Content-Security-Policy': strict(collector.url) },
        before: before(pushTags('early', 3)),
        after: pushTags('snippet', 2),
      }),
    );
    await page.waitForFunction(bundleLoaded);
    // The injected script carries the nonce of the script that ran the loader.
    expect(await page.evaluate(() => (document.querySelector('script[src$="/flm.js"]') as HTMLScriptElement | null)?.nonce)).toBe(NONCE);
    await page.evaluate(pushTags('late', 3));

    const stored = await collector.accepted(8);
    expect(stored.map((m) => m.tag)).toEqual([...tagNames('early', 3), ...tagNames('snippet', 2), ...tagNames('late', 3)]);
    expect(await violations(page)).toEqual([]);
    expect(thrown).toEqual([]);
    expect(lines).toEqual([]);
  });

  const trustedTypesPage = (site: Site, collector: Collector, path: string) =>
    site.page(path, collector, {
      nonce: NONCE,
      headers: { 'Content-Security-Policy': `${strict(collector.url)} ; require-trusted-types-for 'script' ; trusted-types flamefy` },
      before: before(pushTags('early', 3)),
    });

  test('enforced Trusted Types with a flamefy policy allowed run the loader and the bundle, which deliver', async ({ page, site, collector }) => {
    await registerAda(collector);
    const thrown = pageErrors(page);
    const lines = sdkErrors(page);
    await page.goto(trustedTypesPage(site, collector, '/csp-trusted-types'));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(pushTags('late', 3));

    const stored = await collector.accepted(6);
    expect(stored.map((m) => m.tag)).toEqual([...tagNames('early', 3), ...tagNames('late', 3)]);
    expect(thrown).toEqual([]);
    expect(lines).toEqual([]);
    // Trusted Types are enforced here: a plain string is refused as a script address.
    expect(
      await page.evaluate(() => {
        try {
          document.createElement('script').src = '/x.js';
          return 'accepted';
        } catch (e) {
          return (e as Error).name;
        }
      }),
    ).toBe('TypeError');
  });

  // The loader learns that Trusted Types are enforced from the browser refusing a
  // plain address (no API tells it otherwise): that refusal is the one
  // violation it causes, and only then does it create its policy.
  const recordPolicies = (page: import('@playwright/test').Page) =>
    page.addInitScript(() => {
      const names: string[] = [];
      Object.defineProperty(window, '__flmPolicies', { value: names });
      const tt = (window as any).trustedTypes;
      const create = tt.createPolicy.bind(tt);
      tt.createPolicy = (name: string, rules: object) => (names.push(name), create(name, rules));
    });
  const policies = (page: import('@playwright/test').Page) => page.evaluate(() => (window as any).__flmPolicies as string[]);

  test('creates its Trusted Types policy only where they are enforced, at the cost of one violation there', async ({ page, site, collector }) => {
    await watchViolations(page);
    await recordPolicies(page);
    await page.goto(trustedTypesPage(site, collector, '/csp-trusted-types-policy'));
    await page.waitForFunction(bundleLoaded);
    expect(await policies(page)).toEqual(['flamefy']);
    expect(await violations(page)).toEqual([`require-trusted-types-for blocked trusted-types-sink`]);

    await page.goto(site.page('/no-trusted-types', collector));
    await page.waitForFunction(bundleLoaded);
    expect(await policies(page)).toEqual([]);
  });

  test('the built bundle and loader hold no eval and no Function constructor', () => {
    for (const file of ['dist/flm.js', 'dist/snippet.min.js']) {
      const code = readFileSync(file, 'utf8');
      expect(code, file).not.toMatch(/\beval\s*\(/);
      expect(code, file).not.toMatch(/\bnew\s+Function\b/);
      expect(code, file).not.toMatch(/(^|[^.\w$])Function\s*\(/);
    }
  });

  test("an API blocked by connect-src 'self' costs at most 11 attempts in 15 minutes, no uncaught error, and the page keeps working", async ({
    page,
    site,
    collector,
  }) => {
    await registerAda(collector);
    const before = await collector.stats();
    await page.clock.install();
    await watchViolations(page);
    // Counts what the SDK tries to send to the API; it calls straight through.
    await page.addInitScript((api) => {
      const attempts: string[] = [];
      Object.defineProperty(window, '__apiAttempts', { value: attempts });
      const fetch = window.fetch;
      window.fetch = function (input: RequestInfo | URL, init?: RequestInit) {
        if (String(input instanceof Request ? input.url : input).startsWith(api)) attempts[attempts.length] = 'fetch';
        return fetch.call(this, input, init);
      };
      const beacon = navigator.sendBeacon;
      navigator.sendBeacon = function (url: string | URL, data?: BodyInit | null) {
        if (String(url).startsWith(api)) attempts[attempts.length] = 'beacon';
        return beacon.call(this, url, data);
      };
    }, collector.url);
    const thrown = pageErrors(page);
    await page.goto(
      site.page('/csp-api-blocked', collector, {
        headers: { 'Content-Security-Policy': "connect-src 'self'" },
        after: pushTags('blocked', 5),
        body: `<button id="buy">Buy</button> <output id="bought">0</output>
<script>document.getElementById('buy').addEventListener('click', function () {
  var out = document.getElementById('bought'); out.textContent = String(Number(out.textContent) + 1);
});</script>`,
      }),
    );
    // waitForFunction polls on animation frames, which the fake clock holds.
    await expect.poll(() => page.evaluate(() => window.__flamefyQueue === true)).toBe(true);

    await runClock(page, 15 * 60_000, 2000);
    const attempts: string[] = await page.evaluate(() => (window as any).__apiAttempts);
    expect(attempts.length).toBeGreaterThanOrEqual(2); // it did retry...
    expect(attempts.length).toBeLessThanOrEqual(11); // ...with backoff, and then gave up
    expect((await violations(page)).filter((v) => v.startsWith('connect-src')).length).toBe(attempts.length);
    // Once it has given up, more commands do not start the storm again.
    await page.evaluate(pushTags('more', 3));
    await runClock(page, 5 * 60_000, 2000);
    expect(await page.evaluate(() => (window as any).__apiAttempts.length)).toBe(attempts.length);

    // Nothing reached the API; the messages wait in storage for a page that can send them.
    expect((await collector.stats()).requests).toBe(before.requests);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('flm1:')).length)).toBe(8);
    await page.click('#buy');
    await page.click('#buy');
    await expect(page.locator('#bought')).toHaveText('2');
    expect(thrown).toEqual([]);
  });
});
