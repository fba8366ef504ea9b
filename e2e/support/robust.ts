// Helpers of the robustness browser tests (blocked, csp, hostile): a target
// audience registered through the API, pushes as page code, CSP violations as
// the page saw them, and a fake clock driven in steps.
import type { Page } from '@playwright/test';
import type { Collector } from './fixtures';

export const ADA = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', external_id: 'ext-ada' };

/** Ada, registered straight through the API: commands name her by external id. */
export async function registerAda(collector: Collector): Promise<{ id: number; api_token: string; identity: { external_id: string } }> {
  const audience = await collector.register(ADA);
  return { ...audience, identity: { external_id: ADA.external_id } };
}

/** Page code pushing tags `${prefix}0` … `${prefix}${count - 1}` with this identity. */
export function pushTags(prefix: string, count: number, identity: object = { external_id: ADA.external_id }): string {
  const id = JSON.stringify(identity);
  return `for (var i = 0; i < ${count}; i++) window.flmq.push(['tag.add', '${prefix}' + i, ${id}]);`;
}

export const tagNames = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

/**
 * Records the page's securitypolicyviolation events (an init script runs
 * whatever the page's CSP); read them with violations(page).
 */
export async function watchViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.defineProperty(window, '__flmViolations', { value: seen });
    document.addEventListener('securitypolicyviolation', (e) => {
      seen[seen.length] = `${e.effectiveDirective} blocked ${e.blockedURI}`;
    });
  });
}

export const violations = (page: Page): Promise<string[]> => page.evaluate(() => (window as any).__flmViolations as string[]);

/**
 * Advances Playwright's fake clock (page.clock.install() before goto) by
 * stepMs at a time, so that what the page does between timers (a fetch
 * failing, a retry armed) happens between the steps, as with a real clock.
 */
export async function runClock(page: Page, totalMs: number, stepMs: number): Promise<void> {
  for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) await page.clock.runFor(stepMs);
}
