import { readFileSync } from 'node:fs';
import { bundleLoaded, expect, pageErrors, sdkErrors, test } from './support/fixtures';

test.describe('the queue', () => {
  test("delivers the seed's examples, pushed before and after the bundle loads, in push order", async ({ page, site, collector }) => {
    const audience = await collector.register({ first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', external_id: 'ext-ada' });
    const identities = [{ flm_api_token: audience.api_token }, { external_id: 'ext-ada' }, { audience_id: audience.id }];
    const pushes = (tag: string) =>
      identities
        .map((identity) => `flmq.push(['tag.add', '${tag}', ${JSON.stringify(identity)}], ['viewer.create', 42, ${JSON.stringify(identity)}]);`)
        .join('\n');
    const errors = pageErrors(page);
    await page.goto(site.page('/seed', collector, { before: `window.flmq = window.flmq || [];\n${pushes('foo')}` }));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(pushes('bar'));

    const stored = await collector.accepted(12);
    const expected = ['foo', 'bar'].flatMap((tag) =>
      identities.flatMap((identity) => [
        { type: 'tag.add', tag, identity },
        { type: 'viewer.create', story_id: 42, identity },
      ]),
    );
    expect(stored).toMatchObject(expected);
    expect(stored.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(errors).toEqual([]);
  });

  test('drops an invalid command between two valid ones with one console error', async ({ page, site, collector }) => {
    await collector.register({ first_name: 'Al', last_name: 'Turing', email: 'al@example.com', external_id: 'ext-al' });
    const errors = sdkErrors(page);
    await page.goto(
      site.page('/invalid', collector, {
        after: `flmq.push(['tag.add', 'first', { external_id: 'ext-al' }], ['tag.add', 42, { external_id: 'ext-al' }], ['tag.add', 'second', { external_id: 'ext-al' }]);`,
      }),
    );
    const stored = await collector.accepted(2);
    expect(stored).toMatchObject([{ tag: 'first' }, { tag: 'second' }]);
    expect(errors).toEqual([
      '[flamefy] tag.add: argument 1 (tag): Expected a non-empty string of at most 128 characters, but received: 42',
    ]);
  });

  test('pasted twice, as dist/snippet.html gives it, the snippet loads one bundle, says nothing and loses no command', async ({
    page,
    site,
    collector,
  }) => {
    await collector.register({ first_name: 'Al', last_name: 'Turing', email: 'al@example.com', external_id: 'ext-al' });
    const pasted = readFileSync('dist/snippet.html', 'utf8')
      .replace('FLM_BUNDLE_URL', `${collector.url}/flm.js`)
      .replace('FLM_API_URL', collector.url);
    const tag = (name: string) => `<script>flmq.push(['tag.add', '${name}', { external_id: 'ext-al' }]);</script>`;
    // In the page's head, then again from a tag manager once the body is there.
    const html = `<!doctype html><html><head>${pasted}${tag('head')}</head><body>${pasted}${tag('body')}</body></html>`;
    const bundles: string[] = [];
    page.on('request', (r) => r.url().endsWith('/flm.js') && bundles.push(r.url()));
    const lines: string[] = [];
    page.on('console', (m) => m.text().startsWith('[flamefy]') && lines.push(m.text()));
    const errors = pageErrors(page);

    await page.goto(site.serve('/twice', html));
    await page.waitForFunction(bundleLoaded);
    await page.evaluate(() => window.flmq.push(['tag.add', 'later', { external_id: 'ext-al' }]));

    const stored = await collector.accepted(3);
    expect(stored.map((m) => m.tag)).toEqual(['head', 'body', 'later']);
    expect(bundles).toHaveLength(1);
    expect(lines).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('runs commands pushed through an arguments wrapper and accepts numeric strings', async ({ page, site, collector }) => {
    await collector.register({ first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com', external_id: 'ext-gh' });
    await page.goto(
      site.page('/wrapper', collector, {
        before: `window.flmq = window.flmq || []; function flm(){ flmq.push(arguments); }
          flm('event.create', 'click', '42', '3', { external_id: 'ext-gh' });`,
      }),
    );
    const [event] = await collector.accepted(1);
    expect(event).toMatchObject({ type: 'event.create', event_type: 'click', story_id: 42, step_position: 3 });
  });
});
