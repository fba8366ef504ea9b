// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { createTabs, type Tabs } from '../../src/delivery/tabs';

/**
 * Web Locks as the browser keeps them for one site, exclusive mode only: a
 * lock is held until its callback's promise settles, or until the tab that
 * holds it goes.
 */
class Site {
  private readonly held = new Map<string, Tab>();
  private readonly waiting: { name: string; tab: Tab; grant(): void }[] = [];

  request(tab: Tab, name: string, ifAvailable: boolean, callback: (lock: unknown) => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const grant = () => {
        this.held.set(name, tab);
        Promise.resolve()
          .then(() => callback({ name }))
          .then(resolve, reject)
          .finally(() => this.release(name, tab));
      };
      if (!this.held.has(name)) grant();
      else if (ifAvailable) Promise.resolve(callback(null)).then(resolve, reject);
      else this.waiting.push({ name, tab, grant });
    });
  }

  /** The tab is closed: the browser frees every lock it held. */
  close(tab: Tab): void {
    for (const [name, holder] of [...this.held]) if (holder === tab) this.release(name, tab);
  }

  private release(name: string, tab: Tab): void {
    if (this.held.get(name) !== tab) return;
    this.held.delete(name);
    const next = this.waiting.findIndex((w) => w.name === name && w.tab.open);
    if (next >= 0) this.waiting.splice(next, 1)[0].grant();
  }
}

class Tab {
  open = true;
  readonly tabs: Tabs;

  constructor(
    private readonly site: Site,
    readonly pageId: string,
  ) {
    const locks = {
      request: (name: string, ...rest: unknown[]) => {
        const callback = rest.pop() as (lock: unknown) => unknown;
        const options = (rest[0] ?? {}) as { ifAvailable?: boolean };
        return site.request(this, name, !!options.ifAvailable, callback);
      },
    };
    Object.defineProperty(navigator, 'locks', { value: locks, configurable: true });
    this.tabs = createTabs('site', null);
  }

  /** What isGone answers for each page, in one turn of the drain lock. */
  async drain(...pages: string[]): Promise<boolean[]> {
    const answers: boolean[] = [];
    await this.tabs.drain(async (isGone) => {
      for (const page of pages) answers.push(await isGone(page));
    });
    return answers;
  }

  close(): void {
    this.open = false;
    this.site.close(this);
  }
}

async function openTab(site: Site, pageId: string): Promise<Tab> {
  const tab = new Tab(site, pageId);
  await tab.tabs.claim(pageId);
  return tab;
}

afterEach(() => {
  delete (navigator as { locks?: unknown }).locks;
});

describe('tabs, with Web Locks', () => {
  it('counts a page as gone once it is closed, never while it lives', async () => {
    const site = new Site();
    const left = await openTab(site, 'left');
    const tab = await openTab(site, 'tab');

    expect(await tab.drain('left')).toEqual([false]);
    left.close();
    expect(await tab.drain('left')).toEqual([true]);
  });

  it('gives a gone page to one tab only, even to a tab that still sees its keys', async () => {
    const site = new Site();
    const left = await openTab(site, 'left');
    left.close();
    const first = await openTab(site, 'first');
    const second = await openTab(site, 'second');

    expect(await first.drain('left')).toEqual([true]);
    // localStorage reaches other tabs late: the second may still find the
    // keys that the first took over, and must not take them too.
    expect(await second.drain('left')).toEqual([false]);
  });

  it('gives a gone page to another tab once the tab that took it over is gone too', async () => {
    const site = new Site();
    const left = await openTab(site, 'left');
    left.close();
    const first = await openTab(site, 'first');
    const second = await openTab(site, 'second');

    expect(await first.drain('left')).toEqual([true]);
    first.close();
    expect(await second.drain('first', 'left')).toEqual([true, true]);
  });

  it('lets go of every lock it keeps on release (the back/forward cache), and claims its own again after', async () => {
    const site = new Site();
    const left = await openTab(site, 'left');
    left.close();
    const frozen = await openTab(site, 'frozen');
    const other = await openTab(site, 'other');
    expect(await frozen.drain('left')).toEqual([true]);

    frozen.tabs.release('frozen');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await other.drain('frozen', 'left')).toEqual([true, true]);
  });

  it('runs one takeover at a time across tabs', async () => {
    const site = new Site();
    const a = await openTab(site, 'a');
    const b = await openTab(site, 'b');
    const order: string[] = [];
    const turn = (name: string) => async () => {
      order.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 0));
      order.push(`${name} out`);
    };

    await Promise.all([a.tabs.drain(turn('a')), b.tabs.drain(turn('b'))]);

    expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);
  });
});
