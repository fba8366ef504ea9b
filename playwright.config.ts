import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './e2e/support/chromium.mjs';

export default defineConfig({
  testDir: 'e2e',
  // Not test-results/ itself: Playwright empties its output folder, and the
  // unit tests' report lives there too.
  outputDir: 'test-results/playwright',
  fullyParallel: false,
  workers: 2,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  projects: [
    {
      name: 'chromium',
      testIgnore: 'firefox/**',
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
      },
    },
    // Stock Firefox over WebDriver BiDi (puppeteer-core): see e2e/firefox/fixtures.ts.
    { name: 'firefox', testMatch: 'firefox/**/*.spec.ts' },
  ],
});
