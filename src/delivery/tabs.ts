// Which pages of this site are still alive, so that one tab, and only one,
// takes over the messages that dead pages left in storage.
//
// With Web Locks, each page holds a lock named after itself for as long as it
// lives (the browser releases it when the page goes), and the takeover runs under
// a second lock, one tab at a time. The tab that takes over a gone page also
// takes that page's lock, for as long as it lives itself: localStorage reaches
// other tabs late (Chromium's renderers each cache it and learn of removals
// asynchronously), so the next tab under the drain lock may still see the keys
// just taken over, and must find their page held, not gone.
//
// Without Web Locks (Safari before 15.4), pages write a heartbeat, and a page
// silent for HEARTBEAT_STALE_MS counts as gone; two tabs may then both resend
// a message, which the API answers 'duplicate'.
import type { Store } from './storage';

export interface Tabs {
  /** Resolves once this page is known to be alive to the other tabs. */
  claim(pageId: string): Promise<void>;
  /**
   * Runs takeOver under the site-wide drain lock; it never rejects. isGone(page)
   * is true once: the caller then owns what that page left.
   */
  drain(takeOver: (isGone: (pageId: string) => Promise<boolean>) => Promise<void>): Promise<void>;
  /** Drops what is kept about a page that was taken over. */
  forget(pageId: string): void;
  /**
   * This page no longer counts as alive, and holds no lock: consent was
   * withdrawn, or the page goes into the back/forward cache, where asking for
   * a lock it holds (or even querying them) would evict it (Chromium's
   * "weblocks-contention"). claim() again when it comes back.
   */
  release(pageId: string): void;
}

const HEARTBEAT_MS = 10_000;
const HEARTBEAT_STALE_MS = 120_000;

interface LockManager {
  request(name: string, callback: (lock: unknown) => unknown): Promise<unknown>;
  request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => unknown): Promise<unknown>;
}

const ignore = (): void => undefined;

export function createTabs(scope: string, store: Store | null): Tabs {
  const locks = typeof navigator !== 'undefined' ? (navigator as unknown as { locks?: LockManager }).locks : undefined;
  const pageLock = (pageId: string) => `flm1:${scope}:page:${pageId}`;

  if (locks && typeof locks.request === 'function') {
    /** How to let go of each lock this page keeps: its own, and those of the pages it took over. */
    const kept: (() => void)[] = [];
    /** Returned from a lock's callback: holds the lock until the page goes, or release(). */
    const keep = () => new Promise<void>((done) => kept.push(done));
    /** Takes a gone page's lock and keeps it: false when the page, or a tab that took it over, holds it. */
    const inherit = (pageId: string) =>
      new Promise<boolean>((answer) => {
        locks
          .request(pageLock(pageId), { ifAvailable: true }, (lock) => {
            answer(lock !== null);
            return lock && keep();
          })
          .catch(() => answer(false));
      });
    return {
      claim: (pageId) =>
        new Promise<void>((held) => {
          locks
            .request(pageLock(pageId), () => {
              held();
              return keep();
            })
            .catch(held);
        }),
      drain: (takeOver) => locks.request(`flm1:${scope}:drain`, () => takeOver(inherit)).then(ignore, ignore),
      forget: ignore,
      release: () => {
        for (const done of kept.splice(0)) done();
      },
    };
  }

  const beatKey = (pageId: string) => `flm1hb:${scope}:${pageId}`;
  const forget = (pageId: string) => store && store.remove(beatKey(pageId));
  let beating: ReturnType<typeof setInterval> | undefined;
  return {
    claim(pageId) {
      if (store) {
        const beat = () => store.set(beatKey(pageId), String(Date.now()));
        beat();
        beating = setInterval(beat, HEARTBEAT_MS);
      }
      return Promise.resolve();
    },
    drain: (takeOver) =>
      takeOver(async (pageId) => !(Number(store && store.get(beatKey(pageId))) > Date.now() - HEARTBEAT_STALE_MS)).catch(ignore),
    forget,
    release(pageId) {
      clearInterval(beating);
      forget(pageId);
    },
  };
}
