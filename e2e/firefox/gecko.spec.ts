// The product's main promises, proven a second time in another engine: Gecko
// (a stock Firefox), against the same real collector on another origin.
import type { Page } from 'puppeteer-core';
import { ADA, BY_ADA, pushTags, tags } from '../support/guarantees';
import { expect, test } from './fixtures';

const loaded = (page: Page) => page.waitForFunction(() => (window as { __flamefyQueue?: boolean }).__flamefyQueue === true);

test.describe('in Firefox', () => {
  test("delivers the seed's examples, pushed before and after the bundle loads, in push order", async ({ gecko, site, collector }) => {
    const audience = await collector.register(ADA);
    const identities = [{ flm_api_token: audience.api_token }, BY_ADA, { audience_id: audience.id }];
    const pushes = (tag: string) =>
      identities.map((id) => `flmq.push(['tag.add', '${tag}', ${JSON.stringify(id)}], ['viewer.create', '42', ${JSON.stringify(id)}]);`).join('\n');

    await gecko.page.goto(site.page('/seed', collector, { before: `window.flmq = window.flmq || [];\n${pushes('foo')}` }));
    await loaded(gecko.page);
    await gecko.page.evaluate(pushes('bar'));

    const stored = await collector.accepted(12);
    expect(stored).toMatchObject(
      ['foo', 'bar'].flatMap((tag) =>
        identities.flatMap((identity) => [
          { type: 'tag.add', tag, identity },
          { type: 'viewer.create', story_id: 42, identity },
        ]),
      ),
    );
    expect(stored.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(gecko.pageErrors).toEqual([]);
  });

  test('a tag pushed right after a registration carries the new token, which the cookie keeps for the next page', async ({
    gecko,
    site,
    collector,
  }) => {
    await gecko.page.goto(
      site.page('/register', collector, {
        before: `window.flmq = window.flmq || []; flmq.push(['audience.register', ${JSON.stringify(ADA)}], ['tag.add', 'vip']);`,
      }),
    );
    const [, tag] = await collector.accepted(2);
    const [audience] = await collector.audiences();
    expect(tag).toMatchObject({ type: 'tag.add', tag: 'vip', identity: { flm_api_token: audience.api_token } });
    await expect.poll(() => gecko.page.evaluate(() => document.cookie)).toBe(`flm_api_token=${audience.api_token}`);

    await gecko.page.goto(site.page('/later', collector, { after: `flmq.push(['tag.add', 'returning'])` }));
    const stored = await collector.accepted(3);
    expect(stored[2]).toMatchObject({ tag: 'returning', identity: { flm_api_token: audience.api_token } });
  });

  test('an invalid command between two valid ones costs one console error, and the two arrive', async ({ gecko, site, collector }) => {
    await collector.register(ADA);
    const by = JSON.stringify(BY_ADA);
    await gecko.page.goto(
      site.page('/invalid', collector, {
        after: `flmq.push(['tag.add', 'first', ${by}], ['tag.add', 42, ${by}], ['tag.add', 'second', ${by}]);`,
      }),
    );
    const stored = await collector.accepted(2);
    expect(stored.map((m) => m.tag)).toEqual(['first', 'second']);
    expect(gecko.sdkErrors).toEqual([
      '[flamefy] tag.add: argument 1 (tag): Expected a non-empty string of at most 128 characters, but received: 42',
    ]);
    expect(gecko.pageErrors).toEqual([]);
  });

  test('30 commands pushed as the page is left all arrive, once each', async ({ gecko, site, collector }) => {
    await collector.register(ADA);
    site.serve('/elsewhere', '<!doctype html><p>elsewhere</p>');
    await gecko.page.goto(site.page('/leaving', collector));
    await loaded(gecko.page);
    await Promise.all([
      gecko.page.waitForNavigation(),
      gecko.page.evaluate(`${pushTags('leave', 30)} location.href = '/elsewhere';`),
    ]);

    const stored = await collector.accepted(30);
    expect(stored.map((m) => m.tag).sort()).toEqual(tags('leave', 30).sort());
    expect((await collector.stats()).accepted).toBe(31); // and the registration
  });

  test('two 503 answers are retried, and every message is stored once', async ({ gecko, site, collector }) => {
    await collector.register(ADA);
    const before = await collector.stats();
    await collector.faults({ status: 503, times: 2 });
    await gecko.page.goto(site.page('/flaky', collector, { after: pushTags('t', 5) }));

    const stored = await collector.accepted(5);
    expect(stored.map((m) => m.tag)).toEqual(tags('t', 5));
    const stats = await collector.stats();
    expect(stats.duplicate + stats.rejected).toBe(0);
    expect(stats.requests - before.requests).toBe(3);
  });
});
