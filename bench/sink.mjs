// The peers' stand-in API on 127.0.0.1: answers 200 to anything, with CORS,
// and serves the peers' browser bundles from node_modules under /lib/<name>.
// It counts what it receives so that a run can tell when an SDK went quiet.
import { readFileSync } from 'node:fs';
import http from 'node:http';

// Good enough for every peer: Mixpanel reads `status`, Amplitude `code`.
const ANSWER = JSON.stringify({ status: 1, code: 200 });

/**
 * @param {Record<string, string>} files  route name -> file path, served at /lib/<name>
 * @returns {Promise<{ url: string, stats: { requests: number, bytes: number }, close(): Promise<void> }>}
 */
export async function startSink(files) {
  const bodies = Object.fromEntries(Object.entries(files).map(([name, path]) => [name, readFileSync(path)]));
  const stats = { requests: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': req.headers.origin || '*',
      'Access-Control-Allow-Credentials': 'true',
      'Cache-Control': 'no-store',
      Vary: 'Origin',
    };
    const lib = /^\/lib\/([\w.-]+)$/.exec(req.url ?? '');
    if (lib && bodies[lib[1]]) {
      res.writeHead(200, { ...cors, 'Content-Type': 'text/javascript; charset=utf-8' }).end(bodies[lib[1]]);
      return;
    }
    if (req.method === 'OPTIONS') {
      res
        .writeHead(204, {
          ...cors,
          'Access-Control-Allow-Methods': 'GET, POST, PUT, OPTIONS',
          'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || 'Content-Type',
          'Access-Control-Max-Age': '600',
        })
        .end();
      return;
    }
    stats.requests++;
    req.on('data', (chunk) => (stats.bytes += chunk.length));
    req.on('end', () => res.writeHead(200, { ...cors, 'Content-Type': 'application/json' }).end(ANSWER));
  });
  server.keepAliveTimeout = 5000;
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () => new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}
