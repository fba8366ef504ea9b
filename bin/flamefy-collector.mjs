#!/usr/bin/env node
// The `flamefy-collector` command. The collector itself is TypeScript, bundled
// by the build into dist/collector.mjs; this file only starts it.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/collector.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error('flamefy-collector: dist/collector.mjs is missing: run `npm run build` first');
  process.exit(1);
}
await import(bundle.href);
