// Which Chromium the browser tests drive: FLM_CHROMIUM if set, else the
// system's (Debian's /usr/bin/chromium and friends), else one that
// `npx playwright install chromium` downloaded.
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const SYSTEM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function findChromium(): string {
  const candidates = [process.env.FLM_CHROMIUM, ...SYSTEM, safe(() => chromium.executablePath())];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
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

function safe(get: () => string): string | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

/** Flags that keep Chromium quiet on a machine with no network but loopback. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
