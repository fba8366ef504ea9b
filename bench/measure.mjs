// One measurement in one fresh browser context each: the SDK's page is loaded,
// the SDK made ready, then events are recorded and the main thread watched
// with CDP Performance.getMetrics (TaskDuration, ScriptDuration: seconds of
// main-thread work in the page's renderer since it started).

export const EVENTS = 1000;
/** A loop of events stops after this long, and its cost is scaled to 1,000. */
const LOOP_DEADLINE_MS = 10_000;
/** Filling the queue up to 5,000 events, for the flatness figure, stops after this long. */
const FILL_MS = 8_000;
const WARM_UP = 500;

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * Opens the SDK's page in a fresh context and waits until the SDK is ready and
 * its start-up traffic is over. `traffic` follows the requests to the API
 * origin (the SDK's own files left out).
 */
export async function openPage(browser, url, sdk, apiOrigin) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const traffic = { requests: 0, inflight: 0, lastAt: Date.now(), roundTrips: [] };
  const isApi = (request) => request.url().startsWith(apiOrigin) && !/\/(lib\/|flm\.js)/.test(request.url());
  page.on('request', (request) => {
    if (!isApi(request)) return;
    traffic.requests++;
    traffic.inflight++;
    traffic.lastAt = Date.now();
  });
  const settled = (request) => {
    if (!isApi(request)) return;
    traffic.inflight--;
    traffic.lastAt = Date.now();
    const { responseEnd } = request.timing();
    if (responseEnd > 0) traffic.roundTrips.push(responseEnd);
  };
  page.on('requestfinished', settled);
  page.on('requestfailed', settled);
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForFunction(sdk.ready, null, { timeout: 15_000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await settle(cdp, traffic, ZERO, Date.now(), { afterMs: 300, idleMs: 500, capMs: 5_000 });
  return { context, page, cdp, traffic, errors };
}

const ZERO = { task: 0, script: 0 };

/** Main-thread time so far, in ms; undefined when the page is too busy to answer within waitMs. */
async function mainThread(cdp, waitMs = 2_000) {
  let timer;
  const late = new Promise((done) => (timer = setTimeout(done, waitMs, {})));
  const answer = cdp.send('Performance.getMetrics');
  answer.catch(() => {});
  const { metrics } = await Promise.race([answer, late]).finally(() => clearTimeout(timer));
  if (!metrics) return undefined;
  const get = (name) => 1000 * (metrics.find((m) => m.name === name)?.value ?? 0);
  return { task: get('TaskDuration'), script: get('ScriptDuration') };
}

/**
 * Waits until the SDK has gone quiet: at least afterMs since `from`, no API
 * request started or in flight for idleMs, and the main thread under 10 % busy
 * since the last poll; at most capMs. Returns the main-thread time since
 * `before`. A main thread too busy to answer at the cap gives a lower bound,
 * the wall time since `from`; either way, capped: true.
 */
async function settle(cdp, traffic, before, from, { afterMs, idleMs, capMs }) {
  let last = await mainThread(cdp);
  let lastAt = Date.now();
  for (;;) {
    await sleep(250);
    const m = await mainThread(cdp, 1_000);
    const now = Date.now();
    const idle = m && last && m.task - last.task < 0.1 * (now - lastAt);
    last = m;
    lastAt = now;
    if (now - from >= afterMs && idle && traffic.inflight <= 0 && now - traffic.lastAt >= idleMs) {
      return { task: m.task - before.task, script: m.script - before.script, capped: false };
    }
    if (now - from >= capMs) {
      const end = m ?? (await mainThread(cdp));
      if (end) return { task: end.task - before.task, script: end.script - before.script, capped: true };
      return { task: Date.now() - from, script: NaN, capped: true };
    }
  }
}

/** Records `count` events from `first` on, timed with performance.now around the loop. */
function loop(page, sdk, first, count) {
  return page.evaluate(
    `(() => {
      const track = ${sdk.track};
      const start = performance.now();
      let i = ${first};
      for (; i < ${first + count}; i++) {
        track(i);
        if ((i & 63) === 0 && performance.now() - start > ${LOOP_DEADLINE_MS}) { i++; break; }
      }
      return { ms: performance.now() - start, done: i - ${first} };
    })()`,
  );
}

/** Records `count` events and waits for the SDK to go quiet; costs are per 1,000 events. */
async function measureEvents(page, cdp, traffic, sdk, first, count, limits) {
  const before = await mainThread(cdp, 10_000);
  // Still busy with earlier events: nothing to measure from here, within bounds.
  if (!before) return { sync: NaN, task: NaN, script: NaN, capped: true, done: 0, requests: 0 };
  const requests = traffic.requests;
  const from = Date.now();
  const sync = await loop(page, sdk, first, count);
  const end = await settle(cdp, traffic, before, from, limits);
  const scale = EVENTS / sync.done;
  return {
    sync: sync.ms * scale,
    task: end.task * scale,
    script: end.script * scale,
    capped: end.capped,
    done: sync.done,
    requests: traffic.requests - requests,
  };
}

/** The main-thread cost of 1,000 events, from just before the first until the SDK has gone quiet. */
export async function cost(browser, url, sdk, apiOrigin) {
  const { context, page, cdp, traffic, errors } = await openPage(browser, url, sdk, apiOrigin);
  try {
    const result = await measureEvents(page, cdp, traffic, sdk, 0, EVENTS, { afterMs: 1_500, idleMs: 1_000, capMs: 8_000 });
    return { ...result, errors };
  } finally {
    await context.close();
  }
}

/**
 * Cost flatness, offline so that everything stays queued: the cost of 1,000
 * events with none queued, then with 5,000 queued. Before it, WARM_UP events
 * are delivered online, so that neither figure carries the first calls'
 * compiling.
 * Filling up to 5,000 is bounded in time: an SDK whose cost grows with its
 * queue is measured at what it reached. An SDK still busy at the cap after
 * the first 1,000 is not filled further (no `full`).
 */
export async function flatness(browser, url, sdk, apiOrigin) {
  const { context, page, cdp, traffic } = await openPage(browser, url, sdk, apiOrigin);
  const limits = { afterMs: 1_000, idleMs: 0, capMs: 4_000 };
  try {
    await measureEvents(page, cdp, traffic, sdk, 0, WARM_UP, { ...limits, idleMs: 500, capMs: 6_000 });
    await context.setOffline(true);
    const empty = await measureEvents(page, cdp, traffic, sdk, WARM_UP, EVENTS, limits);
    // Still busy at the cap: any later figure would wait for this backlog.
    if (empty.capped) return { empty, queued: empty.done };
    // Filled 1,000 at a time, each time until the SDK is done with them (its
    // deferred work included), for at most FILL_MS in all.
    let queued = empty.done;
    const started = Date.now();
    while (queued < 5 * EVENTS) {
      const left = FILL_MS - (Date.now() - started);
      if (left <= 0) break;
      queued += (await loop(page, sdk, WARM_UP + queued, Math.min(EVENTS, 5 * EVENTS - queued))).done;
      const done = await settle(cdp, traffic, ZERO, Date.now(), { afterMs: 0, idleMs: 0, capMs: Math.max(left, 500) });
      if (done.capped) break;
    }
    await settle(cdp, traffic, ZERO, Date.now(), { afterMs: 0, idleMs: 0, capMs: 4_000 });
    const stored = sdk.stored ? await page.evaluate(sdk.stored) : undefined;
    const full = await measureEvents(page, cdp, traffic, sdk, WARM_UP + queued, EVENTS, limits);
    return { empty, full, queued, stored };
  } finally {
    await context.close();
  }
}

/**
 * flamefy only: 1,000 commands in one second (20 every 20 ms) through the
 * programmatic API from a `ready` callback; each promise resolves when the API
 * has acknowledged its message. Returns each message's delay from push to
 * acknowledgement, and the round trip of each batch request.
 */
export async function delivery(browser, url, sdk, apiOrigin) {
  const { context, page, cdp, traffic, errors } = await openPage(browser, url, sdk, apiOrigin);
  try {
    traffic.roundTrips.length = 0;
    const result = await page.evaluate(`new Promise((finish) => {
      flmq.push(['ready', (flm) => {
        const pushed = [], acked = [];
        let next = 0, settled = 0, failed = 0;
        const report = (timedOut) => finish({
          delays: pushed.map((p, n) => (acked[n] ?? NaN) - p),
          span: pushed[pushed.length - 1] - pushed[0], failed, timedOut,
        });
        const settle = (n, ok) => () => {
          acked[n] = performance.now();
          if (!ok) failed++;
          if (++settled === ${EVENTS}) report(false);
        };
        const tick = setInterval(() => {
          for (let k = 0; k < 20 && next < ${EVENTS}; k++, next++) {
            pushed[next] = performance.now();
            flm.FlmTag.add('bench-' + next, { external_id: 'bench' }).then(settle(next, true), settle(next, false));
          }
          if (next >= ${EVENTS}) clearInterval(tick);
        }, 20);
        setTimeout(() => report(true), 20000);
      }]);
    })`);
    await settle(cdp, traffic, ZERO, Date.now(), { afterMs: 0, idleMs: 300, capMs: 5_000 });
    return { ...result, roundTrips: [...traffic.roundTrips], errors };
  } finally {
    await context.close();
  }
}
