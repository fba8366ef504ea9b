// Minifies the loader; shared by the build and the loader's tests.
import { transform } from 'esbuild';
import { readFileSync } from 'node:fs';

export const LOADER_PATH = new URL('./loader.js', import.meta.url);

/** The loader, minified. esbuild refuses to emit anything ES5 lacks. */
export async function minifyLoader() {
  const { code } = await transform(readFileSync(LOADER_PATH, 'utf8'), {
    minify: true,
    target: 'es5',
    legalComments: 'none',
  });
  return code.trim();
}

/** The block to paste: the loader and an init line, placeholders kept. */
export function snippetHtml(minified) {
  return `<script>\n${minified}\nflmq.push(['init', { apiUrl: 'FLM_API_URL' }]);\n</script>\n`;
}
