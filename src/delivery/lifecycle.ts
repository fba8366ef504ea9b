// Page events that move delivery. 'unload' is never used: it makes pages
// ineligible for the back/forward cache and does not fire reliably on mobile
// (https://developer.chrome.com/docs/web-platform/page-lifecycle-api).
import type { Delivery } from './delivery';

/** What the page must also do as it goes into the back/forward cache, and comes back out. */
export interface Frozen {
  enter(): void;
  leave(): void;
}

export function watchPage(delivery: Delivery, frozen: Frozen): void {
  if (typeof document === 'undefined' || typeof window === 'undefined') return;
  document.addEventListener('visibilitychange', () =>
    document.visibilityState === 'hidden' ? delivery.hide() : delivery.show(),
  );
  // Safari does not always fire visibilitychange when a page is left.
  window.addEventListener('pagehide', (event) => {
    delivery.hide();
    if (event.persisted) frozen.enter();
  });
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    frozen.leave();
    delivery.show();
  });
  window.addEventListener('online', () => delivery.online());
}
