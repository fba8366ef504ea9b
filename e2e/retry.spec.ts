// Delivery when the API fails, against the real collector and its fault
// injection (docs/COLLECTOR.md, "Faults"): what is retried, when, and what is
// given up on, with every message stored once in the end.
import type { BrowserContext, Page } from '@playwright/test';
import { bundleLoaded, expect, pageErrors, sdkErrors, test, type Collector, type Site } from './support/fixtures';
import {
  ADA,
  BY_ADA,
  expectStoredOnce,
  idsStillStored,
  pushTags,
  recordTransport,
  tags,
  transportCalls,
  watchBatches,
} from './support/guarantees';

test.describe('retries', () => {
  test('three 503 answers with Retry-After: 1 are each waited out for a second, then every message arrives once', async ({
    page,
    context,
    site,
    collector,
  }) => {
    await collector.register(ADA);
    const before = await collector.stats();
    const batches = watchBatches(context, collector);
    await recordTransport(context);
    const errors = sdkErrors(page);
    await collector.faults({ status: 503, times: 3, retryAfter: 1 });
    await page.goto(site.page('/retry-after', collector, { after: pushTags('ra', 5) }));

    const stored = await expectStoredOnce(collector, { accepted: 5 });
    expect(stored.map((m) => m.tag)).toEqual(tags('ra', 5));
    await expect.poll(() => batches.filter((b) => b.status !== undefined).length).toBe(4);
    expect(batches.map((b) => b.status)).toEqual([503, 503, 503, 200]);
    // The same five messages, with the same ids, in every attempt.
    for (const batch of batches) expect(batch.ids).toEqual(stored.map((m) => m.id));
    for (let i = 1; i < batches.length; i++) {
      const waited = batches[i].startedAt - batches[i - 1].startedAt;
      expect(waited, `attempt ${i + 1} started ${waited} ms after attempt ${i}`).toBeGreaterThanOrEqual(1000);
    }
    // From the answer, by the page's own clock: Playwright's request timings
    // come from the network stack, a few ms apart from the page's timers.
    const fetches = await transportCalls(page);
    expect(fetches.map((c) => c.ids)).toEqual(batches.map((b) => b.ids));
    for (let i = 1; i < fetches.length; i++) {
      const afterAnswer = fetches[i].at - fetches[i - 1].answeredAt!;
      expect(afterAnswer, `attempt ${i + 1} started ${afterAnswer} ms after the 503 answer reached the page`).toBeGreaterThanOrEqual(1000);
    }
    expect((await collector.stats()).requests - before.requests).toBe(4);
    expect(await idsStillStored(page, stored.map((m) => m.id))).toEqual([]);
    expect(errors).toEqual([]);
  });

  // A drop on a keep-alive connection the browser reuses is resent by the
  // browser itself, unseen by the page (docs/COLLECTOR.md, "Faults"): so a
  // first batch warms a connection, then the drop is queued, and the page's own
  // fetch calls show that the SDK, not the browser, sent the batch again.
  async function dropAfterWarmBatch(
    { page, context, site, collector }: { page: Page; context: BrowserContext; site: Site; collector: Collector },
    drop: 'before' | 'after',
  ) {
    await collector.register(ADA);
    await recordTransport(context);
    const batches = watchBatches(context, collector);
    const errors = sdkErrors(page);
    const retries: string[] = [];
    page.on('console', (m) => m.type() === 'info' && m.text().startsWith('[flamefy] retry') && retries.push(m.text()));
    await page.goto(site.page(`/drop-${drop}`, collector, { init: { debug: true }, after: pushTags('warm', 2) }));
    await page.waitForFunction(bundleLoaded);
    const warm = await collector.accepted(2);
    await expect.poll(() => batches.filter((b) => b.status === 200).length).toBe(1);

    await collector.faults({ drop, times: 1 });
    await page.evaluate(pushTags('dr', 5).replace(/flmq/g, 'window.flmq'));
    await collector.accepted(7);
    const calls = async () => (await transportCalls(page)).filter((c) => !c.ids.some((id) => warm.some((m) => m.id === id)));
    // The SDK's own retry: the page called fetch twice with the same five ids.
    await expect.poll(async () => (await calls()).length).toBe(2);
    const [first, again] = await calls();
    expect([first.via, again.via]).toEqual(['fetch', 'fetch']);
    expect(first.ids).toHaveLength(5);
    expect(again.ids).toEqual(first.ids);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/^\[flamefy\] retry 1 in \d+ ms/);
    // As the browser saw it: the warm batch, the dropped one, the retry.
    await expect.poll(() => batches.filter((b) => b.status !== undefined || b.failure).length).toBe(3);
    expect(batches[1].failure).toBeDefined();
    expect(batches[1].ids).toEqual(first.ids);
    expect(batches[2].status).toBe(200);
    expect(batches[2].ids).toEqual(first.ids);
    return { batches, errors, warm, ids: first.ids };
  }

  test('a connection dropped after the batch was stored is retried, answered duplicate, and nothing is stored twice', async ({ page, context, site, collector }) => {
    const { errors, ids } = await dropAfterWarmBatch({ page, context, site, collector }, 'after');

    await expect.poll(async () => (await collector.messages()).filter((r) => r.status === 'duplicate').length).toBe(5);
    // Only what went in the dropped request may come back as duplicate.
    const stored = await expectStoredOnce(collector, { accepted: 7, duplicatesAllowedFor: ids });
    expect(stored.map((m) => m.tag)).toEqual([...tags('warm', 2), ...tags('dr', 5)]);
    const received = await collector.messages();
    // Stored on the first attempt, answered duplicate on the retry: five, then the same five.
    expect(received.map((r) => r.status)).toEqual([...Array(7).fill('accepted'), ...Array(5).fill('duplicate')]);
    expect(received.slice(2, 7).map((r) => r.message.id)).toEqual(ids);
    expect(received.slice(7).map((r) => r.message.id)).toEqual(ids);
    await expect.poll(() => idsStillStored(page, stored.map((m) => m.id))).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('a connection dropped before the batch was stored is retried and every message is stored once', async ({ page, context, site, collector }) => {
    const { errors, ids } = await dropAfterWarmBatch({ page, context, site, collector }, 'before');

    const stored = await expectStoredOnce(collector, { accepted: 7 });
    expect(stored.map((m) => m.tag)).toEqual([...tags('warm', 2), ...tags('dr', 5)]);
    const received = await collector.messages();
    // Nothing of the dropped request was stored: the retry is the first the store sees of it.
    expect(received.map((r) => r.status)).toEqual(Array(7).fill('accepted'));
    expect(received.slice(2).map((r) => r.message.id)).toEqual(ids);
    await expect.poll(() => idsStillStored(page, stored.map((m) => m.id))).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('a message the collector rejects among accepted ones gives one console error and the rest are stored', async ({
    page,
    site,
    collector,
  }) => {
    await collector.register(ADA);
    const errors = sdkErrors(page);
    const crashes = pageErrors(page);
    await page.goto(
      site.page('/rejected', collector, {
        after: `flmq.push(
          ['tag.add', 'ok-0', ${JSON.stringify(BY_ADA)}],
          ['tag.add', 'ok-1', ${JSON.stringify(BY_ADA)}],
          ['tag.add', 'orphan', { external_id: 'nobody-has-this' }],
          ['tag.add', 'ok-2', ${JSON.stringify(BY_ADA)}],
          ['tag.add', 'ok-3', ${JSON.stringify(BY_ADA)}]);`,
      }),
    );

    const stored = await expectStoredOnce(collector, { accepted: 4, rejected: 1 });
    expect(stored.map((m) => m.tag)).toEqual(['ok-0', 'ok-1', 'ok-2', 'ok-3']);
    const [refused] = (await collector.messages()).filter((r) => r.status === 'rejected');
    expect(refused.message).toMatchObject({ tag: 'orphan', identity: { external_id: 'nobody-has-this' } });
    await expect.poll(() => errors.length).toBe(1);
    expect(errors[0]).toBe('[flamefy] tag.add: refused by the API: no audience matches identity {"external_id":"nobody-has-this"}');
    // A rejection is an answer: the message is not kept for another try.
    expect(await idsStillStored(page, [refused.message.id, ...stored.map((m) => m.id)])).toEqual([]);
    expect(crashes).toEqual([]);
  });

  test('a batch answered 400 is dropped with one console error and never retried, and later batches still go out', async ({
    page,
    context,
    site,
    collector,
  }) => {
    await collector.register(ADA);
    const before = await collector.stats();
    const batches = watchBatches(context, collector);
    const errors = sdkErrors(page);
    await collector.faults({ status: 400, times: 1 });
    await page.goto(site.page('/bad-request', collector, { after: pushTags('lost', 3) }));
    await page.waitForFunction(bundleLoaded);

    await expect.poll(() => errors.length).toBe(1);
    expect(errors[0]).toBe('[flamefy] dropped 3 message(s): the API answered 400: fault injected: 400');
    expect(batches).toHaveLength(1);
    expect(batches[0].status).toBe(400);
    const dropped = batches[0].ids;
    expect(dropped).toHaveLength(3);
    // Dropped, so nothing is kept to try again.
    expect(await idsStillStored(page, dropped)).toEqual([]);

    await page.evaluate(pushTags('later', 3).replace(/flmq/g, 'window.flmq'));
    const stored = await expectStoredOnce(collector, { accepted: 3 });
    expect(stored.map((m) => m.tag)).toEqual(tags('later', 3));
    expect(batches.map((b) => b.status)).toEqual([400, 200]);
    expect(batches[1].ids).toEqual(stored.map((m) => m.id));
    expect((await collector.stats()).requests - before.requests).toBe(2);
    // The dropped batch never reached the store, then or later.
    expect((await collector.messages()).filter((r) => dropped.includes(r.message.id))).toEqual([]);
    expect(errors).toHaveLength(1);
  });
  test('a wall clock set back an hour during a Retry-After wait does not hold delivery back for that hour', async ({ page, site, collector }) => {
    await collector.register(ADA);
    const retrying = new Promise<void>((armed) =>
      page.on('console', (m) => /^\[flamefy\] retry 1 in \d+ ms/.test(m.text()) && armed()),
    );
    await page.goto(
      site.page('/clock', collector, {
        // The system clock, as the page sees it: the test moves it.
        before: `(function () { var real = Date.now; window.__skew = 0; Date.now = function () { return real() + window.__skew; }; })();`,
        init: { debug: true, batchWaitMs: 50 },
      }),
    );
    await page.waitForFunction(bundleLoaded);
    await collector.faults({ status: 503, times: 1, retryAfter: 1 });
    await page.evaluate((by) => window.flmq.push(['tag.add', 'before', by]), BY_ADA);
    await retrying;
    // An NTP correction, or a resume from sleep, while the retry waits.
    await page.evaluate((by) => {
      (window as unknown as { __skew: number }).__skew = -3_600_000;
      window.flmq.push(['tag.add', 'after', by]);
    }, BY_ADA);

    const stored = await expectStoredOnce(collector, { accepted: 2 });
    expect(stored.map((m) => m.tag)).toEqual(['before', 'after']);
  });
});
