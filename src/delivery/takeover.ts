// Messages that pages now gone left in storage: this page takes them over,
// oldest first, re-keyed under its own name so that no other tab sends them too.
import type { Message } from '../protocol';
import type { Entry, Outbox } from './outbox';
import type { Store } from './storage';
import type { Tabs } from './tabs';

export async function takeOver(
  store: Store,
  scope: string,
  ownPage: string,
  outbox: Outbox,
  isGone: (pageId: string) => Promise<boolean>,
  tabs: Tabs,
): Promise<Entry[]> {
  const prefix = `flm1:${scope}:`;
  const byPage = new Map<string, string[]>();
  for (const key of store.keys(prefix)) {
    const page = key.slice(prefix.length).split(':')[0];
    if (page === ownPage) continue;
    const keys = byPage.get(page);
    if (keys) keys[keys.length] = key;
    else byPage.set(page, [key]);
  }
  const found: { raw: string; key: string; message: Message }[] = [];
  for (const [page, keys] of byPage) {
    if (!(await isGone(page))) continue;
    for (const key of keys) {
      const raw = store.get(key);
      if (raw === null) continue;
      let message: Message | undefined;
      try {
        message = (JSON.parse(raw) as { m?: Message }).m;
      } catch {
        // Unreadable: handled below as holding no message.
      }
      // Nothing to resend, and left in place it would stop every later takeover.
      if (!message || typeof message !== 'object' || typeof message.id !== 'string') store.remove(key);
      else found[found.length] = { raw, key, message };
    }
    tabs.forget(page);
  }
  found.sort((a, b) => (a.message.ts < b.message.ts ? -1 : a.message.ts > b.message.ts ? 1 : a.message.seq - b.message.seq));
  const adopted: Entry[] = [];
  for (const { raw, key } of found) {
    const entry = outbox.adopt(raw, key);
    // Written under our key before the old one goes: a crash here resends,
    // never loses. Where storage is full, the old key stays the message's own.
    if (!entry || entry.key !== key) store.remove(key);
    if (entry) adopted[adopted.length] = entry;
  }
  return adopted;
}
