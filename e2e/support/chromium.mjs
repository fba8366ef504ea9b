// Which Chromium the browser tests and the benchmark drive: FLM_CHROMIUM if
// set, else the system's (Debian's /usr/bin/chromium and friends), else one
// that `npx playwright install chromium` downloaded.
// Plain .mjs so that bench/ (no TypeScript step) can import it too.
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const SYSTEM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** @returns {string} the path of a Chromium or Chrome binary */
export function findChromium() {
  const candidates = [process.env.FLM_CHROMIUM, ...SYSTEM, safe(() => chromium.executablePath())];
  const found = candidates.find((path) => !!path && existsSync(path));
  if (!found) {
    throw new Error(
      'No Chromium found for the browser tests. Install one of:\n' +
        '  Debian/Ubuntu: sudo apt-get install -y chromium\n' +
        '  anywhere else: npx playwright install chromium\n' +
        'or point FLM_CHROMIUM at a Chromium or Chrome binary.',
    );
  }
  return found;
}

/**
 * @param {() => string} get
 * @returns {string | undefined}
 */
function safe(get) {
  try {
    return get();
  } catch {
    return undefined;
  }
}

/**
 * Flags that keep Chromium quiet on a machine with no network but loopback.
 * @type {string[]}
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
