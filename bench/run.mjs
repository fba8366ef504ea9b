// `npm run bench`: flamefy-tag against peers in real Chromium, printed as plain
// tables of medians. Figures are for reading, never a pass or fail: the exit
// code says only whether the benchmark could run. See docs/BENCHMARK.md.
//   BENCH_REPS=3   how many times each measurement is repeated (median printed)
import os from 'node:os';
import { cost, delivery, EVENTS, flatness } from './measure.mjs';
import { FLAMEFY, LIB_FILES, PEERS } from './peers.mjs';
import { startSink } from './sink.mjs';
import { fmt, median, printTable, quantile, ratio, sizes } from './table.mjs';
import { collectorStats, launchChromium, registerAudience, startCollector, startSite } from './world.mjs';

const REPS = Math.max(1, Number(process.env.BENCH_REPS) || 3);
/** The whole run is bounded: past this it stops, whatever it was doing. */
const DEADLINE_MS = 6 * 60_000;
const BATCH_WAIT_MS = 1000; // flamefy's default batchWaitMs
const SDKS = [FLAMEFY, ...PEERS];

const started = Date.now();
const world = {};
const stop = async () => {
  world.collector?.close();
  await world.browser?.close().catch(() => {});
  await world.sink?.close();
  await world.site?.close();
};
process.on('exit', () => world.collector?.close());
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stop().finally(() => process.exit(130)));
setTimeout(() => {
  console.error(`\nbench: still running after ${DEADLINE_MS / 1000} s; stopping.`);
  stop().finally(() => process.exit(1));
}, DEADLINE_MS).unref();
const progress = (line) => process.stderr.write(`  … ${fmt((Date.now() - started) / 1000)} s: ${line}\n`);
/** A measurement that failed (a crashed page, say) is reported and left out of the medians. */
const failures = [];
async function attempt(what, list, measure) {
  try {
    list.push(await measure());
  } catch (error) {
    failures.push(`${what}: ${String(error.message).split('\n')[0]}`);
  }
}

world.sink = await startSink(LIB_FILES);
world.collector = await startCollector();
world.site = await startSite();
world.browser = await launchChromium();
const { sink, site, browser } = world;
await registerAudience(world.collector.url, 'bench');

const apiOf = (sdk) => (sdk === FLAMEFY ? world.collector.url : sink.url);
const pageOf = (sdk, big) =>
  site.page(`/${sdk.name.replace(/\W+/g, '_')}${big ? '-big' : ''}`, sdk.head({ sink: sink.url, collector: world.collector.url, big }));

const cpus = os.cpus();
console.log(`flamefy-tag benchmark, ${new Date().toISOString()}`);
console.log(`machine: ${cpus.length} cores (${cpus[0]?.model.trim()}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`Chromium ${browser.version()}, Node ${process.version}; medians of ${REPS} runs, each in a fresh browser context`);

// Each repetition measures every SDK in turn, so that noise from the machine
// falls on all of them alike.
const runs = { delivery: [], cost: new Map(SDKS.map((s) => [s, []])), flat: new Map(SDKS.map((s) => [s, []])) };
for (let rep = 1; rep <= REPS; rep++) {
  // Something outside the benchmark may end the collector (a broad kill, say): start another.
  if (world.collector.exited()) {
    failures.push(`the collector ${world.collector.exited()} before run ${rep}; a new one was started`);
    world.collector = await startCollector();
    await registerAudience(world.collector.url, 'bench');
  }
  progress(`run ${rep} of ${REPS}: delivery`);
  await attempt('delivery', runs.delivery, async () => {
    const { url } = world.collector;
    const before = await collectorStats(url);
    const result = await delivery(browser, pageOf(FLAMEFY, false), FLAMEFY, url);
    const after = await collectorStats(url);
    const counted = (key) => after[key] - before[key];
    return { ...result, requests: counted('requests'), messages: counted('messages'), bytes: counted('bytes') };
  });
  for (const sdk of SDKS) {
    progress(`run ${rep} of ${REPS}: ${sdk.name}, cost`);
    await attempt(`${sdk.name}, cost`, runs.cost.get(sdk), () => cost(browser, pageOf(sdk, false), sdk, apiOf(sdk)));
    progress(`run ${rep} of ${REPS}: ${sdk.name}, flatness`);
    await attempt(`${sdk.name}, flatness`, runs.flat.get(sdk), () => flatness(browser, pageOf(sdk, true), sdk, apiOf(sdk)));
  }
}

// 1. Delivery
const d = runs.delivery;
/** The median, then each run's figure. */
const each = (pick, digits = 0) => [fmt(median(d.map(pick)), digits), d.map((r) => fmt(pick(r), digits)).join(' ')];
const worst = (r) => Math.max(...r.delays.map((x) => (Number.isNaN(x) ? Infinity : x)));
const unacked = (r) => r.failed + r.delays.filter(Number.isNaN).length;
const within = (ok) => (ok ? 'within' : 'over');
const roundTrip = median(d.map((r) => median(r.roundTrips)));
const delayTarget = BATCH_WAIT_MS + roundTrip;
console.log(`\n1. Delivery: flamefy-tag, ${fmt(EVENTS)} FlmTag.add in about 1 s (20 every 20 ms), page on ${site.url}, collector on ${world.collector.url}`);
printTable(
  ['figure', 'median', 'runs', 'target'],
  [
    ['requests sent (/micro/stats)', ...each((r) => r.requests), `≤ 25 (${within(median(d.map((r) => r.requests)) <= 25)})`],
    ['messages per request', ...each((r) => r.messages / r.requests, 1), ''],
    ['bytes per message on the wire', ...each((r) => r.bytes / r.messages), ''],
    ['push span, ms', ...each((r) => r.span), ''],
    ['push → ack p50, ms', ...each((r) => quantile(r.delays, 0.5)), ''],
    ['push → ack p95, ms', ...each((r) => quantile(r.delays, 0.95)), ''],
    [
      'push → ack worst, ms',
      ...each(worst),
      `≤ ${fmt(BATCH_WAIT_MS)} + round trip ${fmt(roundTrip)} = ${fmt(delayTarget)} (${within(median(d.map(worst)) <= delayTarget)})`,
    ],
    ['not acknowledged or rejected', ...each(unacked), '0'],
  ],
);

// 2. Main-thread cost and its flatness
const capped = (rows, pick) => (rows.filter((r) => pick(r).capped).length * 2 > rows.length ? '≥' : '');
const cell = (rows, pick, key) => `${capped(rows, pick)}${fmt(median(rows.map((r) => pick(r)[key])))}`;
const base = (key) => median(runs.cost.get(FLAMEFY).map((r) => r[key]));
/** The flatness ratio, from the runs that filled the queue without hitting a cap. */
function flat(sdk, key) {
  const all = runs.flat.get(sdk);
  const rows = all.filter((r) => r.full && !r.empty.capped && !r.full.capped);
  if (!all.length) return '—';
  if (rows.length * 2 <= all.length) return 'busy at cap';
  const reached = median(rows.map((r) => r.queued));
  return `${ratio(median(rows.map((r) => r.full[key] / r.empty[key])), 1)}${reached < 5 * EVENTS ? ` @${fmt(reached)}` : ''}`;
}
console.log(`\n2. Main-thread cost of ${fmt(EVENTS)} events, one small property set, each SDK in a fresh page`);
printTable(
  ['SDK', 'version', 'sync ms/1k', 'task ms/1k', 'script ms/1k', 'requests', 'sync ×flamefy', 'task ×flamefy', 'flat (task)', 'flat (sync)'],
  SDKS.map((sdk) => {
    const rows = runs.cost.get(sdk);
    return [
      sdk.name,
      sdk.version,
      fmt(median(rows.map((r) => r.sync))),
      cell(rows, (r) => r, 'task'),
      cell(rows, (r) => r, 'script'),
      fmt(median(rows.map((r) => r.requests))),
      ratio(median(rows.map((r) => r.sync)), base('sync')),
      `${capped(rows, (r) => r)}${ratio(median(rows.map((r) => r.task)), base('task'))}`,
      flat(sdk, 'task'),
      flat(sdk, 'sync'),
    ];
  }),
);
console.log(`\n   Flatness: ${fmt(EVENTS)} events offline with none queued, then with ${fmt(5 * EVENTS)} queued (ms per 1k; ≥: still busy at the cap)`);
printTable(
  ['SDK', 'sync, 0 queued', 'sync, 5k queued', 'task, 0 queued', 'task, 5k queued', 'queued', 'held in localStorage'],
  SDKS.map((sdk) => {
    const rows = runs.flat.get(sdk);
    const full = rows.filter((r) => r.full);
    const filled = full.length * 2 > rows.length;
    return [
      sdk.name,
      fmt(median(rows.map((r) => r.empty.sync))),
      filled ? fmt(median(full.map((r) => r.full.sync))) : 'not filled',
      cell(rows, (r) => r.empty, 'task'),
      filled ? cell(full, (r) => r.full, 'task') : 'not filled',
      fmt(median(rows.map((r) => r.queued))),
      !sdk.stored ? 'none (in memory)' : filled ? fmt(median(full.map((r) => r.stored))) : '—',
    ];
  }),
);
const errors = SDKS.flatMap((sdk) => runs.cost.get(sdk).flatMap((r) => r.errors.map((e) => `${sdk.name}: ${e}`)));
if (failures.length) console.log(`\n   Failures and restarts (failed measurements are left out of the medians):\n     ${failures.join('\n     ')}`);
if (errors.length) console.log(`\n   Uncaught errors in pages:\n     ${[...new Set(errors)].join('\n     ')}`);

// 3. Size
console.log(`\n3. Size of what a page loads (bytes)`);
const flm = sizes(FLAMEFY.files[0]);
printTable(
  ['SDK', 'file', 'raw', 'gzip', 'brotli', 'gzip ×flm.js', 'brotli ×flm.js'],
  SDKS.flatMap((sdk) =>
    sdk.files.map((file) => {
      const s = sizes(file);
      return [sdk.name, file.replace(/^node_modules\/(@[^/]+\/)?[^/]+\//, ''), fmt(s.raw), fmt(s.gzip), fmt(s.brotli), ratio(s.gzip, flm.gzip), ratio(s.brotli, flm.brotli)];
    }),
  ),
);

console.log(`\n(${fmt((Date.now() - started) / 1000)} s)`);
await stop();
progress('stopped');
