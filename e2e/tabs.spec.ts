// Several tabs of one site, one localStorage: the messages that closed pages
// left behind are taken over by one tab only, and every message is stored once.
import { bundleLoaded, expect, pageErrors, test } from './support/fixtures';
import { ADA, expectStoredOnce, idsStillStored, pushTags, tags, watchBatches } from './support/guarantees';

test.describe('tabs', () => {
  test('five tabs opened at once on a site with messages left by closed pages store each message once', async ({
    context,
    site,
    collector,
  }) => {
    await collector.register(ADA);
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

    // Five tabs at once, each with a message of its own; their documents are
    // answered at the same moment, so that they race for the leftovers.
    site.together([0, 1, 2, 3, 4].map((n) => `/tab-${n}`));
    const tabs = await Promise.all([0, 1, 2, 3, 4].map(() => context.newPage()));
    const crashes = tabs.map((page) => pageErrors(page));
    await Promise.all(
      tabs.map((page, n) => page.goto(site.page(`/tab-${n}`, collector, { after: pushTags(`tab${n}-`, 1) }))),
    );

    await collector.accepted(65);
    // Every message answered and no request still out: nothing is left that
    // any tab could send again.
    const ids = (await collector.messages()).map((r) => r.message.id as string);
    for (const page of tabs) await expect.poll(() => idsStillStored(page, ids)).toEqual([]);
    await expect.poll(() => batches.filter((b) => b.status === undefined && !b.failure).length).toBe(0);

    const stored = await expectStoredOnce(collector, { accepted: 65 });
    const expected = [0, 1, 2].flatMap((n) => tags(`left${n}-`, 20)).concat([0, 1, 2, 3, 4].flatMap((n) => tags(`tab${n}-`, 1)));
    expect(stored.map((m) => m.tag).sort()).toEqual(expected.sort());
    const sent = batches.flatMap((b) => b.ids);
    expect(sent.length, 'no message was sent by two tabs, or twice by one').toBe(new Set(sent).size);
    expect(crashes.flat()).toEqual([]);
  });
});
