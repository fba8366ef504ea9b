// localStorage, or nothing. Private modes, blocked site data and sandboxed
// frames make the getter itself throw (SecurityError) or setItem throw
// (QuotaExceededError): every access is guarded, and a failure means "keep it
// in memory for this page", never an error in the host page.

export interface Store {
  get(key: string): string | null;
  /** False when the write failed: the caller falls back to memory. */
  set(key: string, value: string): boolean;
  remove(key: string): void;
  /** Every key that starts with prefix, read once per call. */
  keys(prefix: string): string[];
}

/**
 * The page's localStorage, if it can be read. A full one still counts: the
 * messages earlier pages left there must still be read and sent (removing
 * them is what frees room); writes then fail, and the outbox keeps new
 * messages in memory.
 */
export function openLocalStorage(): Store | null {
  let ls: Storage;
  try {
    ls = window.localStorage;
    ls.getItem('flm1:probe');
  } catch {
    return null;
  }
  return {
    get(key) {
      try {
        return ls.getItem(key);
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        ls.setItem(key, value);
        return true;
      } catch {
        return false;
      }
    },
    remove(key) {
      try {
        ls.removeItem(key);
      } catch {
        // A key we cannot remove is resent later and answered 'duplicate'.
      }
    },
    keys(prefix) {
      const found: string[] = [];
      try {
        for (let i = 0; i < ls.length; i++) {
          const key = ls.key(i);
          if (key !== null && key.startsWith(prefix)) found[found.length] = key;
        }
      } catch {
        // Unreadable storage holds nothing we can use.
      }
      return found;
    },
  };
}
