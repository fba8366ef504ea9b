// Delivery when the API fails, against the real collector and its fault
// injection (docs/COLLECTOR.md, "Faults"): what is retried, when, and what is
// given up on, with every message stored once in the end.
import { bundleLoaded, expect, pageErrors, sdkErrors, test } from './support/fixtures';
import { ADA, BY_ADA, expectStoredOnce, idsStillStored, pushTags, tags, watchBatches } from './support/guarantees';

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
      const afterAnswer = batches[i].startedAt - batches[i - 1].answeredAt!;
      expect(afterAnswer, `attempt ${i + 1} started ${afterAnswer} ms after the 503 answer`).toBeGreaterThanOrEqual(1000);
    }
    expect((await collector.stats()).requests - before.requests).toBe(4);
    expect(await idsStillStored(page, stored.map((m) => m.id))).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('a connection dropped after the batch was stored is retried, answered duplicate, and nothing is stored twice', async ({
    page,
    context,
    site,
    collector,
  }) => {
    await collector.register(ADA);
    const batches = watchBatches(context, collector);
    const errors = sdkErrors(page);
    await collector.faults({ drop: 'after', times: 1 });
    await page.goto(site.page('/drop-after', collector, { after: pushTags('dr', 5) }));

    await expect.poll(async () => (await collector.messages()).filter((r) => r.status === 'duplicate').length).toBe(5);
    // Only what went in the dropped request may come back as duplicate.
    const stored = await expectStoredOnce(collector, { accepted: 5, duplicatesAllowedFor: batches[0].ids });
    expect(stored.map((m) => m.tag)).toEqual(tags('dr', 5));
    const received = await collector.messages();
    // Stored on the first attempt, answered duplicate on the retry: five, then the same five.
    expect(received.map((r) => r.status)).toEqual([...Array(5).fill('accepted'), ...Array(5).fill('duplicate')]);
    expect(received.slice(5).map((r) => r.message.id)).toEqual(stored.map((m) => m.id));
    expect(batches[0].failure).toBeDefined();
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
    expect(errors[0]).toBe('[flamefy] a batch of 3 messages was dropped: the API answered 400: fault injected: 400');
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
});
