// Page events that move delivery. 'unload' is never used: it makes pages
// ineligible for the back/forward cache and does not fire reliably on mobile
// (https://developer.chrome.com/docs/web-platform/page-lifecycle-api).
import type { Delivery } from './delivery';

export function watchPage(delivery: Delivery): void {
  if (typeof document === 'undefined' || typeof window === 'undefined') return;
  document.addEventListener('visibilitychange', () =>
    document.visibilityState === 'hidden' ? delivery.hide() : delivery.show(),
  );
  // Safari does not always fire visibilitychange when a page is left.
  window.addEventListener('pagehide', () => delivery.hide());
  window.addEventListener('pageshow', (event) => event.persisted && delivery.show());
  window.addEventListener('online', () => delivery.online());
}
