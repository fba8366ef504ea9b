// Consent, as a consent manager gives it on every page: 'pending' keeps the
// SDK silent (no request, no storage, no cookie) until 'granted'; 'denied'
// takes back the cookie and whatever is stored, and drops what comes after.
import type { Page } from '@playwright/test';
import { bundleLoaded, expect, pageErrors, test } from './support/fixtures';
import { ADA, BY_ADA, watchBatches } from './support/guarantees';

/** What the SDK has left on the device: its storage keys and its cookie. */
async function traces(page: Page): Promise<{ keys: string[]; cookie: boolean }> {
  const keys = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('flm')));
  const cookie = (await page.context().cookies()).some((c) => c.name === 'flm_api_token');
  return { keys, cookie };
}

test.describe('consent', () => {
  test("under 'pending' nothing is sent, stored or put in a cookie; once granted, the held commands arrive in push order", async ({
    page,
    context,
    site,
    collector,
  }) => {
    const batches = watchBatches(context, collector);
    const errors = pageErrors(page);
    // batchWaitMs 0: a command that slipped through would be on its way at once.
    const url = site.page('/pending', collector, {
      init: { consent: 'pending', batchWaitMs: 0 },
      after: `flmq.push(['audience.register', ${JSON.stringify(ADA)}], ['tag.add', 'held-1'], ['event.create', 'click', '42', 3]);`,
    });
    await page.goto(url);
    await page.waitForFunction(bundleLoaded);
    // A round trip to the collector from the page: any send the pushes had
    // started would have been asked for before it.
    await page.evaluate((api) => fetch(`${api}/micro/stats`).then((r) => r.json()), collector.url);

    expect(batches, 'no batch while consent is pending').toEqual([]);
    expect(await traces(page)).toEqual({ keys: [], cookie: false });

    await page.evaluate(() => window.flmq.push(['consent', 'granted'], ['tag.add', 'after-grant']));

    const stored = await collector.accepted(4);
    const [audience] = await collector.audiences();
    const identity = { flm_api_token: audience.api_token };
    expect(stored).toMatchObject([
      { type: 'audience.register', attributes: ADA, seq: 1 },
      { type: 'tag.add', tag: 'held-1', identity, seq: 2 },
      { type: 'event.create', event_type: 'click', story_id: 42, step_position: 3, identity, seq: 3 },
      { type: 'tag.add', tag: 'after-grant', identity, seq: 4 },
    ]);
    await expect.poll(async () => (await traces(page)).cookie).toBe(true);
    expect(errors).toEqual([]);
  });

  test("'denied' removes the cookie and every stored message, and drops commands until consent is granted again", async ({
    page,
    context,
    site,
    collector,
  }) => {
    const errors = pageErrors(page);
    const url = site.page('/denied', collector, {
      after: `flmq.push(['audience.register', ${JSON.stringify(ADA)}]);`,
    });
    await page.goto(url);
    await collector.accepted(1);
    await expect.poll(async () => (await traces(page)).cookie, 'the registration set the cookie').toBe(true);

    // Offline, so that the next command stays stored: then withdraw consent.
    await context.setOffline(true);
    await page.evaluate((by) => window.flmq.push(['tag.add', 'unsent', by]), BY_ADA);
    expect((await traces(page)).keys.length, 'the unsent tag is stored').toBeGreaterThan(0);
    await page.evaluate((by) => window.flmq.push(['consent', 'denied'], ['tag.add', 'while-denied', by]), BY_ADA);
    expect(await traces(page)).toEqual({ keys: [], cookie: false });

    await context.setOffline(false);
    await page.evaluate((by) => window.flmq.push(['consent', 'granted'], ['tag.add', 'granted-again', by]), BY_ADA);
    await collector.accepted(2);
    const received = await collector.messages();
    expect(received.map((r) => [r.status, r.message.type, r.message.tag])).toEqual([
      ['accepted', 'audience.register', undefined],
      ['accepted', 'tag.add', 'granted-again'],
    ]);
    expect(errors).toEqual([]);
  });
});
