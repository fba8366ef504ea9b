// The back/forward cache: a page left for another page of the site waits
// there, frozen, and comes back on back. Nothing the SDK does may evict it, and
// what it had pending is still stored once.
import { CHROMIUM_ARGS, findChromium } from './support/chromium.mjs';
import { bundleLoaded, expect, test } from './support/fixtures';
import { ADA, expectStoredOnce, pushTags } from './support/guarantees';

// Playwright turns the back/forward cache off by default: these tests need it.
test.use({ launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS, ignoreDefaultArgs: ['--disable-back-forward-cache'] } });

test.describe('the back/forward cache', () => {
  test('a page left with messages pending, for another page of the site, is restored on back, and each message is stored once', async ({
    page,
    site,
    collector,
  }) => {
    await collector.register(ADA);
    // Two tags wait for a batch of three, so that leaving sends them by beacon.
    const first = site.page('/bf-first', collector, { init: { batchWaitMs: 60_000, batchSize: 3 }, after: pushTags('first-', 2) });
    await page.goto(first);
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(() => addEventListener('pageshow', (e) => ((window as unknown as { restored: boolean }).restored = e.persisted)));

    // Its two tags leave by beacon; the next page of the site loads the SDK too.
    await page.goto(site.page('/bf-second', collector, { after: pushTags('second-', 1) }));
    await collector.accepted(3);
    // A restored page fires no load event: wait for the navigation alone.
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForFunction(bundleLoaded);

    expect(await page.evaluate(() => (window as unknown as { restored?: boolean }).restored), 'restored from the back/forward cache').toBe(true);
    // Back in view, the restored page sends again what it had beaconed (answered
    // duplicate), with a third tag to make the batch.
    await page.evaluate(pushTags('back-', 1));
    const stored = await expectStoredOnce(collector, {
      accepted: 4,
      duplicatesAllowedFor: (await collector.messages()).filter((r) => r.message.tag?.startsWith('first-')).map((r) => r.message.id),
    });
    expect(stored.map((m) => m.tag).sort()).toEqual(['back-0', 'first-0', 'first-1', 'second-0']);
  });
});
