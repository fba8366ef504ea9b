// @vitest-environment node
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Collector } from './helpers';

const publicDir = fileURLToPath(new URL('../../collector/public/', import.meta.url));
const distDir = mkdtempSync(join(tmpdir(), 'flm-dist-'));
const SNIPPET = `<script>\n(function(u){})('FLM_BUNDLE_URL');\nflmq.push(['init', { apiUrl: 'FLM_API_URL' }]);\n</script>\n`;

let collector: Collector;
beforeAll(async () => {
  writeFileSync(join(distDir, 'flm.js'), 'console.log("flm")');
  writeFileSync(join(distDir, 'snippet.min.js'), '(function(){})()');
  writeFileSync(join(distDir, 'snippet.html'), SNIPPET);
  collector = await start({ distDir, publicDir });
});
afterAll(async () => {
  await collector.close();
  rmSync(distDir, { recursive: true, force: true });
});

/** GET with a Host header of our choosing, which fetch does not allow. */
function getWithHost(path: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(`${collector.url}${path}`, { headers: { Host: host } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

describe('static files', () => {
  const assets: [string, string][] = [
    ['/flm.js', 'text/javascript; charset=utf-8'],
    ['/snippet.min.js', 'text/javascript; charset=utf-8'],
  ];
  for (const [path, type] of assets) {
    it(`serves ${path} from the dist directory, never cached`, async () => {
      const response = await fetch(`${collector.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.text()).toBe(readFileSync(join(distDir, path)).toString());
    });
  }

  it('says to build when a file of dist is missing', async () => {
    const response = await fetch(`${collector.url}/flm.js.map`);
    expect(response.status).toBe(404);
    expect((await response.json()).error).toMatch(/^flm\.js\.map is not in .*: run `npm run build` first$/);
  });

  it('serves the inspector at /', async () => {
    const response = await fetch(`${collector.url}/`);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain('/micro/stream');
  });

  it('serves the demo with the snippet pasted in, pointing at this collector', async () => {
    const response = await fetch(`${collector.url}/demo/`);
    const page = await response.text();
    expect(page).not.toContain('<!--FLM_SNIPPET-->');
    expect(page).not.toMatch(/FLM_BUNDLE_URL|FLM_API_URL/);
    expect(page).toContain(`(function(u){})('/flm.js');`);
    expect(page).toContain(`flmq.push(['init', { apiUrl: '${collector.url}' }]);`);
  });

  it('points the demo at the address the browser used', async () => {
    expect(await getWithHost('/demo/', `localhost:${collector.port}`)).toContain(`apiUrl: 'http://localhost:${collector.port}'`);
  });

  it('ignores a Host header that is not a host', async () => {
    const page = await getWithHost('/demo/', `x'+alert(1)+'`);
    expect(page).toContain(`apiUrl: '${collector.url}'`);
    expect(page).not.toContain('alert(1)');
  });

  it('redirects /demo to /demo/, keeping the query', async () => {
    const response = await fetch(`${collector.url}/demo?flm_debug=1`, { redirect: 'manual' });
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/demo/?flm_debug=1');
  });
});
