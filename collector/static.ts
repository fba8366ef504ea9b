// The files the collector serves: the built SDK from dist/, the inspector and
// the demo page. Read on every request (no-store), so that a rebuild shows up
// without a restart. Only the names listed here are served: no path from the
// request ever reaches the file system.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send, sendError } from './http';
import type { Settings } from './options';

const JS = 'text/javascript; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

/** Files served from the dist directory, by path. */
export const ASSETS: Record<string, { file: string; type: string }> = {
  '/flm.js': { file: 'flm.js', type: JS },
  '/flm.js.map': { file: 'flm.js.map', type: 'application/json; charset=utf-8' },
  '/snippet.min.js': { file: 'snippet.min.js', type: JS },
};

const SNIPPET_MARK = '<!--FLM_SNIPPET-->';
// A Host header is the client's to write; it goes into a script only if it
// looks like a host and a port.
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch {
    return null;
  }
}

const headers = (type: string) => ({ 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' });

export async function serveAsset(res: ServerResponse, settings: Settings, path: string): Promise<void> {
  const asset = ASSETS[path];
  const body = await readOrNull(join(settings.distDir, asset.file));
  if (!body) return sendError(res, 404, `${asset.file} is not in ${settings.distDir}: run \`npm run build\` first`);
  send(res, 200, body, headers(asset.type));
}

export async function serveInspector(res: ServerResponse, settings: Settings): Promise<void> {
  const page = await readOrNull(join(settings.publicDir, 'inspector.html'));
  if (!page) return sendError(res, 404, `inspector.html is not in ${settings.publicDir}`);
  send(res, 200, page, headers(HTML));
}

/**
 * The demo page, with the snippet pasted in as a site would: the bundle from
 * this collector, and the API at this collector's address as the browser
 * reached it.
 */
export async function serveDemo(req: IncomingMessage, res: ServerResponse, settings: Settings, ownOrigin: string): Promise<void> {
  const page = await readOrNull(join(settings.publicDir, 'demo', 'index.html'));
  if (!page) return sendError(res, 404, `demo/index.html is not in ${settings.publicDir}`);
  const snippet = await readOrNull(join(settings.distDir, 'snippet.html'));
  const host = req.headers.host;
  const apiUrl = host && HOST.test(host) ? `http://${host}` : ownOrigin;
  const pasted = snippet
    ? snippet.toString('utf8').split('FLM_BUNDLE_URL').join('/flm.js').split('FLM_API_URL').join(apiUrl)
    : `<p class="missing">snippet.html is not in ${settings.distDir}: run <code>npm run build</code> first.</p>`;
  send(res, 200, page.toString('utf8').split(SNIPPET_MARK).join(pasted), headers(HTML));
}
