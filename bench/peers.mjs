// The SDKs under test: flamefy and well-known peers that batch and (except
// PostHog) persist their queue. Each is installed on a page as its docs say,
// from the browser bundle its npm package ships (served by the sink, never a
// CDN), pointed at a loopback endpoint, and configured alike where it can be:
// a batch goes at 50 events or after 1 s, no autocapture, no page views.
import { readFileSync } from 'node:fs';

/** One small property set, the same fields as flamefy's event.create. */
const PROPS = `{ story_id: 42, step_position: i % 10, external_id: 'bench' }`;

const versionOf = (packageJson) => JSON.parse(readFileSync(packageJson, 'utf8')).version;
const version = (pkg) => versionOf(`node_modules/${pkg}/package.json`);
const script = (code) => `<script>${code}</script>\n`;
const src = (url) => `<script src="${url}"></script>\n`;

/**
 * @typedef {object} Sdk
 * @property {string} name
 * @property {string} version
 * @property {string[]} files        browser bundles whose size is compared (first: the one the page loads)
 * @property {(w: { sink: string, collector: string, big: boolean }) => string} head
 *   the page's <head> scripts; `big` raises the queue caps so that 6,000 events stay queued
 * @property {string} ready          a page expression, true once the SDK can take events
 * @property {string} track          a page function (i) => void that records event i
 * @property {string} [stored]       a page expression: how many events the SDK holds (for flatness)
 */

/** @type {Sdk} */
export const FLAMEFY = {
  name: 'flamefy-tag',
  version: versionOf('package.json'),
  files: ['dist/flm.js', 'dist/snippet.min.js'],
  head: ({ collector, big }) => {
    const snippet = readFileSync('dist/snippet.min.js', 'utf8').trim().replace('FLM_BUNDLE_URL', `${collector}/flm.js`);
    const init = { apiUrl: collector, ...(big && { outboxMaxMessages: 10_000, outboxMaxBytes: 4 * 1024 * 1024 }) };
    return script(`${snippet}\nflmq.push(['init', ${JSON.stringify(init)}]);`);
  },
  ready: `window.__flamefyQueue === true`,
  track: `(i) => flmq.push(['event.create', 'bench_click', 42, i % 10, { external_id: 'bench' }])`,
  stored: `Object.keys(localStorage).filter((k) => k.startsWith('flm1:')).length`,
};

/** @type {Sdk[]} */
export const PEERS = [
  {
    name: 'mixpanel-browser',
    version: version('mixpanel-browser'),
    files: ['node_modules/mixpanel-browser/dist/mixpanel.min.js'],
    // The official snippet, with its documented MIXPANEL_CUSTOM_LIB_URL.
    head: ({ sink }) =>
      script(
        `window.MIXPANEL_CUSTOM_LIB_URL = '${sink}/lib/mixpanel.min.js';\n` +
          readFileSync('node_modules/mixpanel-browser/dist/mixpanel-jslib-snippet.min.js', 'utf8') +
          `\nmixpanel.init('bench-token', { api_host: '${sink}', batch_requests: true, batch_size: 50,
             batch_flush_interval_ms: 1000, track_pageview: false, autocapture: false, ignore_dnt: true,
             persistence: 'localStorage', loaded: function () { window.__benchReady = true; } });`,
      ),
    ready: `window.__benchReady === true`,
    track: `(i) => mixpanel.track('bench_click', ${PROPS})`,
    stored: `(JSON.parse(localStorage.getItem('__mpq_bench-token_ev') || '[]')).length`,
  },
  {
    name: '@amplitude/analytics-browser',
    version: version('@amplitude/analytics-browser'),
    files: ['node_modules/@amplitude/analytics-browser/lib/scripts/amplitude-min.js'],
    head: ({ sink }) =>
      src(`${sink}/lib/amplitude-min.js`) +
      script(
        `amplitude.init('bench-key', { serverUrl: '${sink}/2/httpapi', flushQueueSize: 50, flushIntervalMillis: 1000,
           autocapture: false, fetchRemoteConfig: false, remoteConfig: { fetchRemoteConfig: false }, logLevel: 0 })
           .promise.then(function () { window.__benchReady = true; });`,
      ),
    ready: `window.__benchReady === true`,
    track: `(i) => amplitude.track('bench_click', ${PROPS})`,
    stored: `(JSON.parse(localStorage.getItem('AMP_unsent_bench-key') || '[]')).length`,
  },
  {
    name: 'posthog-js',
    version: version('posthog-js'),
    files: ['node_modules/posthog-js/dist/array.js'],
    // array.js is what PostHog's snippet loads; without the snippet it sets window.posthog itself.
    head: ({ sink }) =>
      src(`${sink}/lib/posthog-array.js`) +
      script(
        `posthog.init('phc_bench', { api_host: '${sink}', request_queue_config: { flush_interval_ms: 1000 },
           autocapture: false, capture_pageview: false, capture_pageleave: false, capture_performance: false,
           capture_exceptions: false, disable_session_recording: true, disable_surveys: true,
           advanced_disable_flags: true, disable_external_dependency_loading: true, persistence: 'localStorage',
           opt_out_useragent_filter: true,
           loaded: function () { window.__benchReady = true; } });`,
      ),
    ready: `window.__benchReady === true`,
    track: `(i) => posthog.capture('bench_click', ${PROPS})`,
  },
];

/** What the sink serves under /lib/<name>. */
export const LIB_FILES = {
  'mixpanel.min.js': 'node_modules/mixpanel-browser/dist/mixpanel.min.js',
  'amplitude-min.js': 'node_modules/@amplitude/analytics-browser/lib/scripts/amplitude-min.js',
  'posthog-array.js': 'node_modules/posthog-js/dist/array.js',
};
