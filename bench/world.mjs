// The benchmark's world, as in the browser tests (e2e/support/fixtures.ts): the
// real collector as a child process on http://127.0.0.1, a customer's site on
// http://localhost (another origin), and Chromium with the tests' flags.
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { CHROMIUM_ARGS, findChromium } from '../e2e/support/chromium.mjs';

/**
 * Starts `node bin/flamefy-collector.mjs --port 0 --quiet` and reads its address
 * from stdout. `exited()` says how it ended, once it has.
 */
export function startCollector() {
  const child = spawn(process.execPath, ['bin/flamefy-collector.mjs', '--port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let exit;
  return new Promise((ready, fail) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const found = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (found) ready({ url: found[0], close: () => child.kill(), exited: () => exit });
    });
    child.on('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with ${code}`;
      fail(new Error(`the collector ${exit}: ${out}`));
    });
  });
}

/** @returns {Promise<{ requests: number, messages: number, accepted: number, rejected: number, duplicate: number, bytes: number }>} */
export async function collectorStats(url) {
  return (await fetch(`${url}/micro/stats`)).json();
}

/** Registers the audience the benchmark's commands speak for, straight through the API. */
export async function registerAudience(url, externalId) {
  const message = {
    id: randomUUID(),
    type: 'audience.register',
    ts: new Date().toISOString(),
    seq: 0,
    attributes: { first_name: 'Bench', last_name: 'Mark', email: `${externalId}@example.com`, external_id: externalId },
    write_mode: 'overwrite',
  };
  const response = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    body: JSON.stringify({ sent_at: new Date().toISOString(), messages: [message] }),
    headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
  });
  const { results } = await response.json();
  if (results[0].status !== 'accepted') throw new Error(`register: ${JSON.stringify(results[0])}`);
}

/** The customer's site on http://localhost:<port>: serves the pages it is given. */
export async function startSite() {
  const pages = new Map();
  const server = http.createServer((req, res) => {
    const html = pages.get((req.url ?? '/').split('?')[0]);
    if (html === undefined) return res.writeHead(404).end('no such page');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(html);
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  const url = `http://localhost:${server.address().port}`;
  return {
    url,
    /** Serves `<head>` scripts as a page at path; returns its address. */
    page(path, head) {
      pages.set(path, `<!doctype html><html><head><meta charset="utf-8"><title>${path}</title>\n${head}</head><body><p>${path}</p></body></html>`);
      return url + path;
    },
    close: () => new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}

export async function launchChromium() {
  return chromium.launch({
    executablePath: findChromium(),
    // Every host but loopback fails to resolve: nothing an SDK tries leaves the machine.
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
  });
}
