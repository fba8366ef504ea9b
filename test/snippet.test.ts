// @vitest-environment node
// esbuild needs Node's own TextEncoder, which jsdom replaces: the loader's
// behaviour in a page is tested in loader.test.ts.
import { parse } from 'acorn';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module shared with the build
import { LOADER_PATH, minifyLoader, snippetHtml } from '../snippet/build.mjs';

const source = readFileSync(LOADER_PATH, 'utf8');

describe('the loader snippet', () => {
  let minified: string;
  beforeAll(async () => {
    minified = await minifyLoader();
  });

  it('parses as ES5, source and minified, so that Google Tag Manager accepts it', () => {
    expect(() => parse(source, { ecmaVersion: 5 })).not.toThrow();
    expect(() => parse(minified, { ecmaVersion: 5 })).not.toThrow();
  });

  it('never uses document.write', () => {
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(/\.write(ln)?\b/);
    expect(minified).not.toMatch(/\.write(ln)?\b/);
  });

  it('fits its 400-byte budget and keeps the bundle address replaceable', () => {
    expect(minified.length).toBeLessThanOrEqual(400);
    expect(minified).toMatch(/"FLM_BUNDLE_URL"|'FLM_BUNDLE_URL'/);
    expect(snippetHtml(minified)).toMatch(/'FLM_API_URL'/);
    expect(snippetHtml(minified)).not.toMatch(/\{\{/);
  });
});
