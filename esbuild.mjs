// Builds every artefact into dist/ and enforces the size budgets.
//   dist/snippet.min.js, dist/snippet.html  the loader to paste (placeholders kept)
//   dist/flm.js (+ .map)                    the browser bundle, IIFE, ES2017
//   dist/index.mjs, dist/types/             the npm package, ESM with declarations
//   dist/collector.mjs                      the local Flamefy API stand-in
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { minifyLoader, snippetHtml } from './snippet/build.mjs';

// Budgets only ever go down. The bundle's target is 10 KiB gzip; superstruct,
// the spread helpers it needs at es2017 and js-cookie take ~2.4 KiB of it, and
// the delivery guarantees and error texts the rest (see README, "Size").
const BUDGETS = {
  'snippet.min.js': { raw: 400 },
  'flm.js': { gzip: 11.5 * 1024 },
};

const quiet = process.argv.includes('--quiet');
const log = (line) => quiet || console.log(line);

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });

const snippet = await minifyLoader();
writeFileSync('dist/snippet.min.js', `${snippet}\n`);
writeFileSync('dist/snippet.html', snippetHtml(snippet));

const shared = { bundle: true, logLevel: 'warning', legalComments: 'none' };

await build({
  ...shared,
  entryPoints: ['src/browser.ts'],
  outfile: 'dist/flm.js',
  format: 'iife',
  target: 'es2017',
  platform: 'browser',
  minify: true,
  sourcemap: true,
});

await build({
  ...shared,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.mjs',
  format: 'esm',
  target: 'es2017',
  platform: 'browser',
  packages: 'external',
  sourcemap: true,
});

await build({
  ...shared,
  entryPoints: ['collector/cli.ts'],
  outfile: 'dist/collector.mjs',
  format: 'esm',
  target: 'node20',
  platform: 'node',
  packages: 'external',
});

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});

// Sizes, and the budget check.
const rows = [];
let over = [];
for (const file of ['snippet.min.js', 'flm.js']) {
  const code = readFileSync(`dist/${file}`);
  const size = {
    raw: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code).length,
  };
  rows.push({ file, ...size });
  for (const [kind, limit] of Object.entries(BUDGETS[file])) {
    if (size[kind] > limit) over.push(`${file} is ${size[kind]} bytes ${kind}, over its budget of ${limit}`);
  }
}
log(`\n${snippet}\n`);
log('file              raw     gzip    brotli   budget');
for (const r of rows) {
  const budget = Object.entries(BUDGETS[r.file]).map(([k, v]) => `${k} ≤ ${v}`).join(', ');
  log(`${r.file.padEnd(16)}${String(r.raw).padStart(6)}${String(r.gzip).padStart(9)}${String(r.brotli).padStart(9)}   ${budget}`);
}
if (over.length) {
  console.error(`\nSize budget exceeded:\n  ${over.join('\n  ')}`);
  process.exit(1);
}
