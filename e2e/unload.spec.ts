// Messages that outlive their page: reloads while offline, beacons on the way
// out (and their 64 KiB), beacons that fail, and a registration whose answer
// never reaches the page that sent it. Each is stored once in the end.
import type { Collector } from './support/fixtures';
import { bundleLoaded, expect, sdkErrors, test } from './support/fixtures';
import {
  ADA,
  expectStoredOnce,
  idsStillStored,
  KEEPALIVE_QUOTA,
  pushTags,
  recordTransport,
  tags,
  transportCalls,
  watchBatches,
} from './support/guarantees';

/**
 * The site's service worker, as an offline-capable site (a PWA) has one: it
 * keeps the page and the SDK bundle it loads, and serves them from its cache,
 * so that the page reloads without a network. It answers nothing else: the
 * API's requests go to the network as if it were not there.
 */
const offlineWorker = (urls: string[]) => `
self.addEventListener('install', (event) => {
  event.waitUntil(caches.open('site').then((cache) => cache.addAll(${JSON.stringify(urls)})).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  event.respondWith(caches.match(event.request).then((hit) => hit || fetch(event.request)));
});`;

const receivedAt = async (collector: Collector) =>
  ((await collector.messages()) as unknown as { received_at: string; message: { id: string } }[]).map((r) => ({
    id: r.message.id,
    at: Date.parse(r.received_at),
  }));

test.describe('leaving pages', () => {
  test('100 commands pushed offline survive three reloads offline, and once online exactly 100 messages are stored', async ({
    page,
    context,
    site,
    collector,
  }) => {
    await collector.register(ADA);
    await recordTransport(context);
    site.serve('/offline-sw.js', offlineWorker(['/offline', `${collector.url}/flm.js`]), { 'Content-Type': 'text/javascript' });
    await page.goto(site.page('/offline', collector, { after: `navigator.serviceWorker.register('/offline-sw.js');` }));
    await page.waitForFunction(bundleLoaded);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

    await context.setOffline(true);
    await page.evaluate(pushTags('off', 100).replace(/flmq/g, 'window.flmq'));
    for (let reload = 0; reload < 3; reload++) {
      await page.reload();
      await page.waitForFunction(bundleLoaded);
      expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    }
    const whileOffline = (await transportCalls(page)).filter((call) => !call.online);
    await context.setOffline(false);

    // README: "no attempt while the browser is offline". A beacon sent from a
    // page being reloaded is not stopped by Chromium's offline emulation, so
    // an attempt made offline shows up below as a duplicate too.
    expect
      .soft(
        whileOffline.map(({ via, path, ids }) => `${via} from ${path} with ${ids.length} messages`),
        'batches the SDK tried to send while navigator.onLine was false',
      )
      .toEqual([]);
    await collector.accepted(100);
    // A fetch that Chromium's offline emulation fails as it is lifted may still
    // have reached the collector (seen: failed in 3 ms, stored): its retry is
    // answered duplicate, as at-least-once delivery means. Only those may be.
    const failed = (await transportCalls(page)).filter((call) => call.failed).flatMap((call) => call.ids);
    const stored = await expectStoredOnce(collector, { accepted: 100, duplicatesAllowedFor: failed });
    expect(stored.map((m) => m.tag)).toEqual(tags('off', 100));
    await expect.poll(() => idsStillStored(page, stored.map((m) => m.id))).toEqual([]);
  });

  test('300 commands pending at pagehide leave in beacons of at most 64 KiB, and the next page sends the rest: all 300 are stored', async ({
    page,
    context,
    site,
    collector,
  }) => {
    // An external id and a tag long enough that each message is about 300 bytes.
    const identity = { external_id: `ext-${'x'.repeat(60)}` };
    await collector.register({ ...ADA, external_id: identity.external_id });
    const before = await collector.stats();
    await recordTransport(context);
    const batches = watchBatches(context, collector);
    const next = site.page('/unload-next', collector);
    await page.goto(site.page('/unload-300', collector, { init: { batchWaitMs: 60_000, batchSize: 500 } }));
    await page.waitForFunction(bundleLoaded);

    await page.evaluate((identity) => {
      for (let i = 0; i < 300; i++) window.flmq.push(['tag.add', `big-${String(i).padStart(3, '0')}-${'y'.repeat(80)}`, identity]);
      location.href = '/unload-next';
    }, identity);
    await page.waitForURL(next);
    await page.waitForFunction(bundleLoaded);

    await collector.accepted(300);
    const all = (await collector.messages()).map((r) => r.message.id as string);
    await expect.poll(() => idsStillStored(page, all), { message: 'every message answered' }).toEqual([]);

    const calls = await transportCalls(page);
    const leaving = calls.filter((call) => call.path === '/unload-300');
    const beacons = leaving.filter((call) => call.via === 'beacon' && call.accepted);
    // The page asked for nothing over 64 KiB, one by one or all in flight at once on the way out.
    for (const call of calls) expect(call.bytes, `${call.via} from ${call.path}`).toBeLessThanOrEqual(KEEPALIVE_QUOTA);
    for (const batch of batches) expect(batch.bytes, `${batch.resourceType} from ${batch.pageUrl}`).toBeLessThanOrEqual(KEEPALIVE_QUOTA);
    expect(leaving.filter((call) => call.keepalive).reduce((sum, call) => sum + call.bytes, 0)).toBeLessThanOrEqual(KEEPALIVE_QUOTA);
    expect(beacons.length).toBeGreaterThan(0);
    // What reached the collector is exactly what was recorded: the beacons of
    // the page being left (which Playwright does not report), and the
    // requests Playwright saw.
    const sent = beacons.reduce((sum, call) => sum + call.bytes, 0) + batches.reduce((sum, batch) => sum + batch.bytes, 0);
    await expect.poll(async () => (await collector.stats()).bytes - before.bytes).toBe(sent);

    // Not all of it fit: what did not was kept, and the next page sent it.
    const beaconed = new Set(beacons.flatMap((call) => call.ids));
    const stored = await expectStoredOnce(collector, { accepted: 300, duplicatesAllowedFor: beaconed });
    const leftBehind = stored.filter((m) => !beaconed.has(m.id));
    expect(leftBehind.length).toBeGreaterThan(0);
    const fromNext = new Set(batches.filter((b) => b.pageUrl === next).flatMap((b) => b.ids));
    expect(leftBehind.filter((m) => !fromNext.has(m.id))).toEqual([]);
    expect(stored.map((m) => m.tag).sort()).toEqual(Array.from({ length: 300 }, (_, i) => `big-${String(i).padStart(3, '0')}-${'y'.repeat(80)}`));
    const sizes = stored.map((m) => JSON.stringify(m).length);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(350);
  });

  test('messages whose beacons the collector answers 503 as the page is left are stored when the next page loads', async ({
    page,
    context,
    site,
    collector,
  }) => {
    await recordTransport(context);
    site.serve('/between', '<!doctype html><p>a page of the site without the snippet</p>');
    const next = site.page('/after-503', collector);
    await page.goto(site.page('/beacon-503', collector, { init: { batchWaitMs: 60_000, batchSize: 500 } }));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(pushTags('b', 10).replace(/flmq/g, 'window.flmq'));
    expect((await collector.stats()).requests).toBe(0);

    // Every batch request from now on is answered 503, until the reset below.
    await collector.faults({ status: 503, times: 1000 });
    await page.goto(`${site.url}/between`);
    const beacons = (await transportCalls(page)).filter((call) => call.via === 'beacon' && call.accepted);
    expect(beacons.length).toBeGreaterThan(0);
    expect(beacons.flatMap((call) => call.ids)).toHaveLength(10);
    // Each beacon reached the collector and was answered 503, storing nothing.
    await expect.poll(async () => (await collector.stats()).requests).toBe(beacons.length);
    const stats = await collector.stats();
    expect(stats.messages).toBe(0);
    // Back to a healthy API (the reset also forgets the audience: register it again).
    await collector.reset();
    await collector.register(ADA);

    await page.goto(next);
    await page.waitForFunction(bundleLoaded);
    const stored = await expectStoredOnce(collector, { accepted: 10 });
    expect(stored.map((m) => m.tag)).toEqual(tags('b', 10));
    expect(stored.map((m) => m.id).sort()).toEqual(beacons.flatMap((call) => call.ids).sort());
    await expect.poll(() => idsStillStored(page, stored.map((m) => m.id))).toEqual([]);
  });

  test('a tag pushed without identity behind a registration still unanswered when the page is left goes out from the next page with the new token', async ({
    page,
    site,
    collector,
  }) => {
    const errors = sdkErrors(page);
    const next = site.page('/held-next', collector);
    // Every batch is stored at once and answered 1.5 s later.
    await collector.faults({ delayMs: 1500 });
    const attributes = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' };
    await page.goto(
      site.page('/held', collector, { after: `flmq.push(['audience.register', ${JSON.stringify(attributes)}], ['tag.add', 'held']);` }),
    );
    // The registration is stored; its answer, and so the token, is still 1.5 s away.
    await expect.poll(async () => (await collector.messages()).length).toBe(1);
    const [registered] = await receivedAt(collector);
    const leftAt = Date.now();
    await page.goto(next);
    expect(leftAt, 'the page was left before the registration was answered').toBeLessThan(registered.at + 1500);
    await page.waitForFunction(bundleLoaded);

    // The next page sends the stored registration again (answered duplicate,
    // with the audience), and the tag that waited for it, with its token.
    const stored = await expectStoredOnce(collector, { accepted: 2, duplicatesAllowedFor: [registered.id] });
    const [audience] = await collector.audiences();
    expect(stored).toMatchObject([
      { id: registered.id, type: 'audience.register', attributes },
      { type: 'tag.add', tag: 'held', identity: { flm_api_token: audience.api_token } },
    ]);
    expect(audience.tags).toEqual(['held']);
    // The registration first; the tag last, once, after the registration's
    // answer gave it the token; in between only the registration again.
    const received = (await collector.messages()).map((r) => [r.status, r.message.type]);
    expect(received[0]).toEqual(['accepted', 'audience.register']);
    expect(received[received.length - 1]).toEqual(['accepted', 'tag.add']);
    for (const middle of received.slice(1, -1)) expect(middle).toEqual(['duplicate', 'audience.register']);
    await expect.poll(() => idsStillStored(page, stored.map((m) => m.id))).toEqual([]);
    const [cookie] = (await page.context().cookies()).filter((c) => c.name === 'flm_api_token');
    expect(cookie?.value).toBe(audience.api_token);
    expect(errors).toEqual([]);
  });
});
