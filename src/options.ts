// The one home of init options: their type, their defaults and their check.
import { boolean, integer, number, optional, string, type Infer } from 'superstruct';
import { oneOf, refined, shaped } from './schemas';

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

/** The page's address, against which a relative apiUrl resolves; none outside a browser. */
export const pageHref = (): string | undefined => (typeof location === 'undefined' ? undefined : location.href);

/** An optional integer option from lo to hi; what names its unit in the error. */
const between = (lo: number, hi: number, what: string) =>
  optional(refined(integer(), (n) => (n >= lo && n <= hi) || `Expected ${what} from ${lo} to ${hi}, but received: ${n}`));

const ApiUrl = refined(string(), (url) => {
  let protocol = '';
  try {
    protocol = new URL(url, pageHref()).protocol;
  } catch {
    // Not an address at all.
  }
  return protocol === 'https:' || protocol === 'http:' || `Expected an http or https address, but received: "${url}"`;
});

export const InitOptions = shaped({
  apiUrl: ApiUrl,
  debug: optional(boolean()),
  consent: optional(oneOf('consent', 'granted', 'pending')),
  // superstruct's size() words it so; it is refine() underneath (see refined).
  cookieDomain: optional(
    refined(
      string(),
      (domain) =>
        (domain.length > 0 && domain.length <= 253) ||
        `Expected a string with a length between \`1\` and \`253\` but received one with a length of \`${domain.length}\``,
    ),
  ),
  cookieDays: optional(refined(number(), (n) => (n > 0 && n <= 3650) || `Expected a number of days above 0 and at most 3650, but received: ${n}`)),
  batchSize: between(1, 500, 'a count'),
  batchWaitMs: between(0, 60_000, 'milliseconds'),
  maxBatchBytes: between(1024, 60 * 1024, 'bytes'),
  outboxMaxMessages: between(1, 100_000, 'a count'),
  outboxMaxBytes: between(1024, 4 * 1024 * 1024, 'bytes'),
});
export type InitOptions = Infer<typeof InitOptions>;

/** The user's options over the defaults; the page address may turn debug on. */
export function resolveOptions(given: InitOptions, pageUrl?: string): Options {
  const options = Object.assign({}, DEFAULTS) as Options;
  for (const key of Object.keys(given) as (keyof InitOptions)[]) {
    if (given[key] !== undefined) (options as any)[key] = given[key];
  }
  options.apiUrl = new URL(given.apiUrl, pageHref()).href.replace(/\/+$/, '');
  options.debug = options.debug || (!!pageUrl && /[?&]flm_debug=1(&|#|$)/.test(pageUrl));
  return Object.freeze(options);
}
