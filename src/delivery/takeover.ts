// Messages that pages now gone left in storage: this page takes them over,
// oldest first, re-keyed under its own name so that no other tab sends them too.
import type { Entry, Outbox, StoredRecord } from './outbox';
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
  const found: { record: StoredRecord; key: string }[] = [];
  for (const [page, keys] of byPage) {
    if (!(await isGone(page))) continue;
    for (const key of keys) {
      const raw = store.get(key);
      if (raw === null) continue;
      let record: Partial<StoredRecord> | undefined;
      try {
        record = JSON.parse(raw);
      } catch {
        // Unreadable: handled below as holding no message.
      }
      const message = record && record.m;
      // Nothing to resend, and left in place it would stop every later takeover.
      if (!message || typeof message !== 'object' || typeof message.id !== 'string') store.remove(key);
      else found[found.length] = { record: record as StoredRecord, key };
    }
    tabs.forget(page);
  }
  // Oldest first, but never a message before the registration it waits for
  // (nothing is sent from behind a waiting message): a clock set back between
  // the two would put it there, so it counts as captured no earlier than its
  // registration, and seq, the page's own order, settles the tie.
  const ts = new Map(found.map(({ record }) => [record.m.id, record.m.ts]));
  const at = ({ record }: (typeof found)[number]) => {
    const registered = record.a && ts.get(record.a);
    return registered && registered > record.m.ts ? registered : record.m.ts;
  };
  found.sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : a.record.m.seq - b.record.m.seq));
  const adopted: Entry[] = [];
  for (const { record, key } of found) {
    const entry = outbox.adopt(record, key);
    // Written under our key before the old one goes: a crash here resends,
    // never loses. Where storage is full, the old key stays the message's own.
    if (!entry || entry.key !== key) store.remove(key);
    if (entry) adopted[adopted.length] = entry;
  }
  return adopted;
}
