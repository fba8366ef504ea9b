import { bundleLoaded, expect, pageErrors, sdkErrors, test } from './support/fixtures';

const ADA = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' };

test.describe('identity', () => {
  test('a tag pushed right after a registration carries the new token, kept in a cookie across reloads', async ({ page, site, collector }) => {
    const url = site.page('/register', collector, {
      before: `window.flmq = window.flmq || []; flmq.push(['audience.register', ${JSON.stringify(ADA)}], ['tag.add', 'vip']);`,
    });
    await page.goto(url);
    const [registration, tag] = await collector.accepted(2);
    const [audience] = await collector.audiences();
    expect(registration).toMatchObject({ type: 'audience.register', attributes: ADA, write_mode: 'overwrite' });
    expect(tag).toMatchObject({ type: 'tag.add', tag: 'vip', identity: { flm_api_token: audience.api_token } });

    const [cookie] = (await page.context().cookies()).filter((c) => c.name === 'flm_api_token');
    expect(cookie).toMatchObject({ value: audience.api_token, sameSite: 'Lax', secure: false, path: '/', httpOnly: false });
    const days = (cookie.expires * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(394);
    expect(days).toBeLessThanOrEqual(395);

    site.page('/later', collector, { after: `flmq.push(['tag.add', 'returning'])` });
    await page.goto(`${site.url}/later`);
    await page.waitForFunction(bundleLoaded);
    const stored = await collector.accepted(3);
    expect(stored[2]).toMatchObject({ type: 'tag.add', tag: 'returning', identity: { flm_api_token: audience.api_token } });
  });

  test('commands with an identity of their own do not overtake those waiting for a registration: all arrive in push order', async ({
    page,
    site,
    collector,
  }) => {
    const other = await collector.register({ first_name: 'Al', last_name: 'Turing', email: 'al@example.com', external_id: 'ext-al' });
    const byAl = JSON.stringify({ external_id: 'ext-al' });
    await page.goto(
      site.page('/order', collector, {
        before:
          `window.flmq = window.flmq || []; flmq.push(['audience.register', ${JSON.stringify(ADA)}], ['tag.add', 'waits'], ` +
          `['tag.add', 'own', ${byAl}], ['event.create', 'click', 42, 1], ['viewer.create', 42, ${byAl}]);`,
      }),
    );
    await collector.accepted(5);
    const received = await collector.messages();
    const [audience] = (await collector.audiences()).filter((a) => a.id !== other.id);
    const token = { flm_api_token: audience.api_token };
    expect(received.map((r) => r.message.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(received.map((r) => r.message)).toMatchObject([
      { type: 'audience.register' },
      { type: 'tag.add', tag: 'waits', identity: token },
      { type: 'tag.add', tag: 'own', identity: { external_id: 'ext-al' } },
      { type: 'event.create', identity: token },
      { type: 'viewer.create', identity: { external_id: 'ext-al' } },
    ]);
  });

  test('a command with no identity, no registration and no cookie is refused with a clear message', async ({ page, site, collector }) => {
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(site.page('/anonymous', collector, { after: `flmq.push(['tag.add', 'vip'])` }));
    await expect.poll(() => errors.length).toBe(1);
    expect(errors[0]).toBe(
      '[flamefy] tag.add: argument 2 (identity): none given, no audience registered on this page, and no flm_api_token cookie',
    );
    expect((await collector.stats()).messages).toBe(0);
  });
  test("a registration an earlier page left, resent by this page, does not take over from this page's own", async ({
    page,
    context,
    site,
    collector,
  }) => {
    const BOB = { first_name: 'Bob', last_name: 'Typo', email: 'bob@exmaple.com' };
    site.serve('/between', '<!doctype html><p>no snippet</p>');
    // Page 1: the visitor registers, with a typo, and leaves at once: a beacon, never answered to the page.
    await page.goto(site.page('/first', collector, { init: { batchWaitMs: 60_000 }, after: `flmq.push(['audience.register', ${JSON.stringify(BOB)}]);` }));
    await page.waitForFunction(bundleLoaded);
    await page.goto(`${site.url}/between`);
    await expect.poll(async () => (await collector.messages()).length).toBe(1);
    const errors = pageErrors(page);
    const lines = sdkErrors(page);

    // Page 2 registers again, correctly, and tags; it also resends page 1's registration.
    await page.goto(site.page('/second', collector, { after: `flmq.push(['audience.register', ${JSON.stringify(ADA)}], ['tag.add', 't1']);` }));
    await expect.poll(async () => (await collector.messages()).filter((r) => r.status === 'duplicate').length).toBe(1);
    await page.evaluate(() => window.flmq.push(['tag.add', 't2']));
    await collector.accepted(4);

    const audiences = await collector.audiences();
    const ada = audiences.find((a) => a.attributes.email === ADA.email);
    const bob = audiences.find((a) => a.attributes.email === BOB.email);
    expect(ada.tags).toEqual(['t1', 't2']);
    expect(bob.tags).toEqual([]);
    const cookie = (await context.cookies()).find((c) => c.name === 'flm_api_token');
    expect(cookie?.value).toBe(ada.api_token);
    expect(lines).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('past the outbox cap the oldest messages go, never the registration the others wait for', async ({ page, context, site, collector }) => {
    const lines = sdkErrors(page);
    await page.goto(site.page('/cap', collector, { init: { outboxMaxMessages: 20 } }));
    await page.waitForFunction(bundleLoaded);
    // Offline (a train): the visitor registers, then keeps reading: 25 tags without identity.
    await context.setOffline(true);
    await page.evaluate((person) => {
      window.flmq.push(['audience.register', person]);
      for (let i = 0; i < 25; i++) window.flmq.push(['tag.add', `read-${i}`]);
    }, ADA);
    await context.setOffline(false);

    const stored = await collector.accepted(20);
    const [audience] = await collector.audiences();
    expect(stored.map((m) => m.tag ?? m.type)).toEqual(['audience.register', ...Array.from({ length: 19 }, (_, i) => `read-${i + 6}`)]);
    expect(stored.slice(1).every((m) => m.identity.flm_api_token === audience.api_token)).toBe(true);
    expect(lines, 'a message pushed out by the cap is logged in debug mode only').toEqual([]);
  });
});
