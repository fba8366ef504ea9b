// The browser tests' world: the real collector (bin/flamefy-collector.mjs, as
// users run it) on http://127.0.0.1, and a customer's site on http://localhost,
// another origin, serving pages that paste the real built snippet.
import { test as base, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  status: 'accepted' | 'duplicate' | 'rejected';
  error?: string;
  message: Record<string, any>;
}

export interface Stats {
  requests: number;
  messages: number;
  accepted: number;
  rejected: number;
  duplicate: number;
  bytes: number;
}

export class Collector {
  /** Messages the test itself sent, left out of what pages sent. */
  private own = new Set<string>();

  constructor(readonly url: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<any> {
    const response = await fetch(this.url + path, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text ? JSON.parse(text) : undefined;
  }

  reset = () => {
    this.own.clear();
    return this.call('POST', '/micro/reset');
  };
  faults = (fault: Record<string, unknown>) => this.call('POST', '/micro/faults', fault);
  /** What pages sent, in arrival order. */
  messages = async (): Promise<Received[]> =>
    ((await this.call('GET', '/micro/messages')).messages as Received[]).filter((r) => !this.own.has(r.message.id));
  stats = (): Promise<Stats> => this.call('GET', '/micro/stats');
  audiences = async (): Promise<any[]> => (await this.call('GET', '/micro/audiences')).audiences;

  /** Registers an audience straight through the API, as another system would. */
  async register(attributes: Record<string, unknown>): Promise<{ id: number; api_token: string }> {
    const message = { id: randomUUID(), type: 'audience.register', ts: new Date().toISOString(), seq: 0, attributes, write_mode: 'overwrite' };
    const response = await fetch(`${this.url}/v1/batch`, {
      method: 'POST',
      body: JSON.stringify({ sent_at: new Date().toISOString(), messages: [message] }),
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    });
    const { results } = await response.json();
    if (results[0].status !== 'accepted') throw new Error(`register: ${JSON.stringify(results[0])}`);
    this.own.add(message.id);
    return results[0].audience;
  }

  /** Stored messages, once at least `count` have been accepted. */
  async accepted(count: number): Promise<Record<string, any>[]> {
    await expect
      .poll(async () => (await this.messages()).filter((r) => r.status === 'accepted').length, {
        message: `waiting for ${count} accepted messages`,
      })
      .toBeGreaterThanOrEqual(count);
    return (await this.messages()).filter((r) => r.status === 'accepted').map((r) => r.message);
  }
}

export interface PageSpec {
  /** Script run before the snippet: commands pushed before the bundle exists. */
  before?: string;
  /** init options; apiUrl defaults to the collector. */
  init?: Record<string, unknown>;
  /** Script run right after the snippet and init. */
  after?: string;
  /** Extra response headers (Content-Security-Policy, say). */
  headers?: Record<string, string>;
  /** Nonce put on every inline script. */
  nonce?: string;
  body?: string;
}

export class Site {
  private pages = new Map<string, { html: string; headers: Record<string, string> }>();
  url = '';
  private gates = new Map<string, { left: Set<string>; answers: (() => void)[] }>();
  private server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const page = this.pages.get(path);
    if (!page) {
      res.writeHead(404).end('no such page');
      return;
    }
    const answer = () => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...page.headers });
      res.end(page.html);
    };
    const gate = this.gates.get(path);
    if (!gate) return answer();
    this.gates.delete(path);
    gate.left.delete(path);
    gate.answers.push(answer);
    if (!gate.left.size) for (const release of gate.answers) release();
  });

  /**
   * The first request for each of these paths waits until every one of them
   * has been asked for; then all are answered at once (tabs that load at the
   * very same moment, as when a browser restores a session).
   */
  together(paths: string[]): void {
    const gate = { left: new Set(paths), answers: [] as (() => void)[] };
    for (const path of paths) this.gates.set(path, gate);
  }

  async start(): Promise<void> {
    await new Promise<void>((ready) => this.server.listen(0, '127.0.0.1', ready));
    // localhost, not 127.0.0.1: the page and the API are different origins.
    this.url = `http://localhost:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }

  serve(path: string, html: string, headers: Record<string, string> = {}): string {
    this.pages.set(path, { html, headers });
    return this.url + path;
  }

  /** A page that pastes the built snippet, as a customer would. */
  page(path: string, collector: Collector, spec: PageSpec = {}): string {
    const snippet = readFileSync('dist/snippet.min.js', 'utf8').trim().replace('FLM_BUNDLE_URL', `${collector.url}/flm.js`);
    const init = JSON.stringify({ apiUrl: collector.url, ...spec.init });
    const nonce = spec.nonce ? ` nonce="${spec.nonce}"` : '';
    const script = (code: string | undefined) => (code ? `<script${nonce}>${code}</script>\n` : '');
    const html =
      `<!doctype html><html><head><meta charset="utf-8"><title>${path}</title>\n` +
      script(spec.before) +
      script(`${snippet}\nflmq.push(['init', ${init}]);`) +
      script(spec.after) +
      `</head><body>${spec.body ?? `<p>${path}</p>`}</body></html>`;
    return this.serve(path, html, spec.headers);
  }
}

function startCollector(): Promise<{ collector: Collector; process: ChildProcess }> {
  const child = spawn(process.execPath, ['bin/flamefy-collector.mjs', '--port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ready, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const found = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (found) ready({ collector: new Collector(found[0]), process: child });
    });
    child.on('exit', (code) => fail(new Error(`the collector exited with ${code}: ${out}`)));
  });
}

export const test = base.extend<{ collector: Collector; site: Site }, { workerCollector: Collector; workerSite: Site }>({
  workerCollector: [
    async ({}, use) => {
      const { collector, process: child } = await startCollector();
      await use(collector);
      child.kill();
    },
    { scope: 'worker' },
  ],
  workerSite: [
    async ({}, use) => {
      const site = new Site();
      await site.start();
      await use(site);
      await site.stop();
    },
    { scope: 'worker' },
  ],
  collector: async ({ workerCollector }, use) => {
    await workerCollector.reset();
    await use(workerCollector);
  },
  site: async ({ workerSite }, use) => use(workerSite),
});

export { expect };

/** Resolves once the bundle has taken over window.flmq. */
export const bundleLoaded = `() => window.__flamefyQueue === true`;

/** The console.error lines the SDK printed. */
export function sdkErrors(page: import('@playwright/test').Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().startsWith('[flamefy]')) lines.push(m.text());
  });
  return lines;
}

/** Uncaught errors in the page: there must never be one of ours. */
export function pageErrors(page: import('@playwright/test').Page): Error[] {
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  return errors;
}
