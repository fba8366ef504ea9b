// The one home of init options: their type, their defaults and their check.
import { boolean, enums, integer, number, object, optional, refine, size, string, type Infer } from 'superstruct';

export interface Options {
  /** Base address of the Flamefy API, without a trailing slash. Required. */
  apiUrl: string;
  /** Log every command, batch, retry and drop. Also on with ?flm_debug=1. */
  debug: boolean;
  /** 'pending' holds everything in memory, writing nothing, until consent is granted. */
  consent: 'granted' | 'pending';
  /** Domain of the token cookie, to share it across subdomains. Default: the page's host. */
  cookieDomain: string | undefined;
  /** Lifetime of the token cookie, in days. */
  cookieDays: number;
  /** A batch is sent as soon as this many messages are ready. */
  batchSize: number;
  /** ... or this long after the first of them was captured. */
  batchWaitMs: number;
  /** A batch body stays under this many bytes (and so within a beacon's 64 KiB). */
  maxBatchBytes: number;
  /** The outbox keeps at most this many undelivered messages; past it the oldest go. */
  outboxMaxMessages: number;
  /** ... and at most this many bytes of them. */
  outboxMaxBytes: number;
}

export const DEFAULTS: Readonly<Omit<Options, 'apiUrl'>> = Object.freeze({
  debug: false,
  consent: 'granted',
  cookieDomain: undefined,
  cookieDays: 395,
  batchSize: 50,
  batchWaitMs: 1000,
  maxBatchBytes: 48 * 1024,
  outboxMaxMessages: 1000,
  outboxMaxBytes: 1024 * 1024,
});

const between = (struct: ReturnType<typeof integer>, lo: number, hi: number, what: string) =>
  refine(struct, 'range', (n) => (n >= lo && n <= hi) || `Expected ${what} from ${lo} to ${hi}, but received: ${n}`);

const ApiUrl = refine(string(), 'ApiUrl', (url) => {
  try {
    const { protocol } = new URL(url, typeof location === 'undefined' ? undefined : location.href);
    return protocol === 'https:' || protocol === 'http:' || `Expected an http or https address, but received: "${url}"`;
  } catch {
    return `Expected an http or https address, but received: "${url}"`;
  }
});

export const InitOptions = object({
  apiUrl: ApiUrl,
  debug: optional(boolean()),
  consent: optional(enums(['granted', 'pending'])),
  cookieDomain: optional(size(string(), 1, 253)),
  cookieDays: optional(refine(number(), 'days', (n) => (n > 0 && n <= 3650) || `Expected a number of days above 0 and at most 3650, but received: ${n}`)),
  batchSize: optional(between(integer(), 1, 500, 'a count')),
  batchWaitMs: optional(between(integer(), 0, 60_000, 'milliseconds')),
  maxBatchBytes: optional(between(integer(), 1024, 60 * 1024, 'bytes')),
  outboxMaxMessages: optional(between(integer(), 1, 100_000, 'a count')),
  outboxMaxBytes: optional(between(integer(), 1024, 4 * 1024 * 1024, 'bytes')),
});
export type InitOptions = Infer<typeof InitOptions>;

/** The user's options over the defaults; the page address may turn debug on. */
export function resolveOptions(given: InitOptions, pageUrl?: string): Options {
  const base = typeof location === 'undefined' ? undefined : location.href;
  const apiUrl = new URL(given.apiUrl, base).href.replace(/\/+$/, '');
  const debugFromUrl = pageUrl ? /[?&]flm_debug=1(&|#|$)/.test(pageUrl) : false;
  const options: Options = { ...DEFAULTS, apiUrl };
  for (const key of Object.keys(given) as (keyof InitOptions)[]) {
    if (given[key] !== undefined) (options as any)[key] = given[key];
  }
  options.apiUrl = apiUrl;
  options.debug = options.debug || debugFromUrl;
  return Object.freeze(options);
}
