// Moves bodies to the API and reports what came back. Knows nothing of commands.
import type { Outcome } from './policy';

/**
 * Chromium and Firefox refuse a keepalive fetch or a beacon once the bodies of
 * those in flight would pass 64 KiB (Fetch standard, "keepalive" quota;
 * https://developer.mozilla.org/docs/Web/API/Navigator/sendBeacon).
 */
export const KEEPALIVE_QUOTA_BYTES = 64 * 1024;

export interface Transport {
  post(url: string, body: string, keepalive: boolean): Promise<Outcome>;
  /** False when the browser refused it or has no beacon: the caller tries otherwise. */
  beacon(url: string, body: string): boolean;
  readonly hasBeacon: boolean;
}

export function batchBody(jsons: readonly string[], sentAt: number): string {
  return `{"sent_at":"${new Date(sentAt).toISOString()}","messages":[${jsons.join(',')}]}`;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What a refusal says: its JSON error, else its text, at most 200 characters. */
async function reasonOf(response: Response): Promise<string | undefined> {
  let text = '';
  try {
    text = await response.text();
    const parsed = JSON.parse(text);
    if (typeof parsed.error === 'string') text = parsed.error;
  } catch {
    // An unreadable body says nothing; one that is not JSON says itself.
  }
  return text.slice(0, 200) || undefined;
}

export const browserTransport: Transport = {
  get hasBeacon() {
    return typeof navigator !== 'undefined' && typeof navigator.sendBeacon === 'function';
  },

  async post(url, body, keepalive) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body,
        // A CORS-safelisted type: no preflight, and what sendBeacon sends for a string.
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        keepalive,
        credentials: 'omit',
        mode: 'cors',
      });
    } catch (error) {
      return { kind: 'network', reason: errorText(error) };
    }
    const { status } = response;
    if (status !== 200) {
      return { kind: 'status', status, retryAfter: response.headers.get('Retry-After'), reason: await reasonOf(response) };
    }
    try {
      return { kind: 'answer', results: ((await response.json()) as { results?: unknown }).results };
    } catch (error) {
      // A 200 whose body was cut or is not ours: as good as no answer.
      return { kind: 'network', reason: `unreadable answer (${errorText(error)})` };
    }
  },

  beacon(url, body) {
    try {
      // Throws where there is no sendBeacon.
      return navigator.sendBeacon(url, body);
    } catch {
      return false;
    }
  },
};
