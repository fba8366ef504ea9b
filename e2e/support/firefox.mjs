// Which Firefox the Gecko tests drive: FLM_FIREFOX if set, else the system's.
// Playwright's own Firefox is a patched build that cannot be had here, so these
// tests drive a stock Firefox over WebDriver BiDi, through puppeteer-core.
import { existsSync } from 'node:fs';

const SYSTEM = ['/usr/bin/firefox-esr', '/usr/bin/firefox', '/usr/lib/firefox-esr/firefox-esr', '/Applications/Firefox.app/Contents/MacOS/firefox'];

/** @returns {string} the path of a Firefox binary */
export function findFirefox() {
  const found = [process.env.FLM_FIREFOX, ...SYSTEM].find((path) => !!path && existsSync(path));
  if (!found) {
    throw new Error(
      'No Firefox found for the Gecko browser tests. Install one of:\n' +
        '  Debian/Ubuntu: sudo apt-get install -y firefox-esr\n' +
        '  anywhere else: npx @puppeteer/browsers install firefox@stable\n' +
        'or point FLM_FIREFOX at a Firefox binary.',
    );
  }
  return found;
}
