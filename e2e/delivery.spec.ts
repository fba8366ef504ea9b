import { bundleLoaded, expect, test } from './support/fixtures';

test.describe('delivery', () => {
  test('30 commands pushed as the page is left all arrive', async ({ page, site, collector }) => {
    await collector.register({ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', external_id: 'ext-ada' });
    const before = await collector.stats();
    site.serve('/elsewhere', '<!doctype html><p>elsewhere</p>');
    await page.goto(site.page('/leaving', collector));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(() => {
      for (let i = 0; i < 30; i++) window.flmq.push(['event.create', 'step', 7, i, { external_id: 'ext-ada' }]);
      location.href = '/elsewhere';
    });
    await page.waitForURL('**/elsewhere');
    const stored = await collector.accepted(30);
    expect(stored.map((m) => m.step_position).sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
    expect((await collector.stats()).accepted - before.accepted).toBe(30);
  });

  test('two 503 answers: every message arrives once', async ({ page, site, collector }) => {
    await collector.register({ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', external_id: 'ext-ada' });
    const before = await collector.stats();
    await collector.faults({ status: 503, times: 2 });
    await page.goto(
      site.page('/flaky', collector, {
        after: `for (var i = 0; i < 5; i++) flmq.push(['tag.add', 't' + i, { external_id: 'ext-ada' }]);`,
      }),
    );
    const stored = await collector.accepted(5);
    expect(stored.map((m) => m.tag)).toEqual(['t0', 't1', 't2', 't3', 't4']);
    const stats = await collector.stats();
    expect(stats.accepted - before.accepted).toBe(5);
    expect(stats.duplicate + stats.rejected).toBe(0);
    expect(stats.requests - before.requests).toBe(3);
  });
});
