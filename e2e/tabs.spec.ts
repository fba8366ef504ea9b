// Several tabs of one site, one localStorage: the messages that closed pages
// left behind are taken over by one tab only, and every message is stored once.
import { bundleLoaded, expect, pageErrors, test } from './support/fixtures';
import { ADA, expectStoredOnce, idsStillStored, pushTags, recordTransport, tags, transportCalls, watchBatches } from './support/guarantees';

test.describe('tabs', () => {
  test('five tabs opened at once on a site with messages left by closed pages store each message once', async ({
    context,
    site,
    collector,
  }) => {
    await collector.register(ADA);
    await recordTransport(context);
    const batches = watchBatches(context, collector);
    const before = await collector.stats();
    const url = site.page('/tab', collector, { init: { batchWaitMs: 60_000, batchSize: 500 } });

    // Leftovers: three pages take 20 commands each while the browser is
    // offline (so nothing leaves them, not even a beacon), and are closed.
    const earlier = await Promise.all([1, 2, 3].map(() => context.newPage()));
    for (const page of earlier) {
      await page.goto(url);
      await page.waitForFunction(bundleLoaded);
    }
    await context.setOffline(true);
    for (const [n, page] of earlier.entries()) await page.evaluate(pushTags(`left${n}-`, 20).replace(/flmq/g, 'window.flmq'));
    for (const page of earlier) await page.close();
    await context.setOffline(false);
    expect((await collector.stats()).requests, 'nothing left the closed pages').toBe(before.requests);

    // Five tabs at once, each with a message of its own.
    const tabs = await Promise.all([0, 1, 2, 3, 4].map(() => context.newPage()));
    const crashes = tabs.map((page) => pageErrors(page));
    await Promise.all(
      tabs.map((page, n) => page.goto(site.page(`/tab-${n}`, collector, { after: pushTags(`tab${n}-`, 1) }))),
    );

    await collector.accepted(65);
    await expect.poll(async () => (await collector.messages()).length, { timeout: 3000 }).toBe(1000).catch(() => {});
    console.log(JSON.stringify((await transportCalls(tabs[0])).map(c => [c.at % 100000, c.via, c.path, c.ids.length, c.online, c.accepted])));
    console.log(JSON.stringify(batches.map(b => [b.startedAt % 100000, b.pageUrl, b.ids.length, b.status, b.failure])));
    const ms = await collector.messages() as any[];
    const groups: any[] = [];
    for (const m of ms) { const last = groups[groups.length - 1]; if (last && last[0] === m.received_at && last[1] === m.status) last[2]++; else groups.push([m.received_at, m.status, 1, m.message.tag]); }
    console.log(JSON.stringify(groups));
    const stored = await expectStoredOnce(collector, { accepted: 65 });
    const expected = [0, 1, 2].flatMap((n) => tags(`left${n}-`, 20)).concat([0, 1, 2, 3, 4].flatMap((n) => tags(`tab${n}-`, 1)));
    expect(stored.map((m) => m.tag).sort()).toEqual(expected.sort());
    // Every message answered: none is still kept by any tab.
    for (const page of tabs) await expect.poll(() => idsStillStored(page, stored.map((m) => m.id))).toEqual([]);
    expect(crashes.flat()).toEqual([]);
  });
});
