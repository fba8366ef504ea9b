// The Gecko tests' world: the same collector and site as the Chromium tests,
// with a stock Firefox driven over WebDriver BiDi by puppeteer-core. Each test
// gets a fresh browser context: its own cookies and storage.
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { findFirefox } from '../support/firefox.mjs';
import { test as base } from '../support/fixtures';

export interface Gecko {
  page: Page;
  /** The [flamefy] console.error lines the SDK printed. */
  sdkErrors: string[];
  /** Uncaught errors in the page. */
  pageErrors: Error[];
}

export const test = base.extend<{ gecko: Gecko }, { firefox: Browser }>({
  firefox: [
    async ({}, use) => {
      const browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath: findFirefox(),
        headless: true,
        // No network but loopback here: keep Firefox from reaching for its services.
        extraPrefsFirefox: {
          'network.dns.disableIPv6': true,
          'app.update.enabled': false,
          'browser.safebrowsing.malware.enabled': false,
          'browser.safebrowsing.phishing.enabled': false,
        },
      });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  gecko: async ({ firefox }, use) => {
    const context = await firefox.createBrowserContext();
    const page = await context.newPage();
    const sdkErrors: string[] = [];
    const pageErrors: Error[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && m.text().startsWith('[flamefy]')) sdkErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e as Error));
    await use({ page, sdkErrors, pageErrors });
    await context.close();
  },
});

export { expect, bundleLoaded } from '../support/fixtures';
