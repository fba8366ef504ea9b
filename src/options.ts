// The one home of init options: their type, their defaults and their check.
import { optional, type Infer } from 'superstruct';
import { oneOf, rule, shaped } from './schemas';

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
  optional(rule<number>('integer', `${what} from ${lo} to ${hi}`, (n) => Number.isInteger(n) && (n as number) >= lo && (n as number) <= hi));

const isHttp = (url: unknown) => {
  try {
    return typeof url === 'string' && /^https?:$/.test(new URL(url, pageHref()).protocol);
  } catch {
    return false; // not an address at all
  }
};

// Each option is one rule with one message, "Expected …, but received: …", as
// the command arguments are; none of superstruct's primitive structs is needed.
export const InitOptions = shaped({
  apiUrl: rule<string>('ApiUrl', 'an http or https address', isHttp),
  debug: optional(rule<boolean>('debug', 'true or false', (v) => typeof v === 'boolean')),
  consent: optional(oneOf('consent', 'granted', 'pending')),
  cookieDomain: optional(
    rule<string>('cookieDomain', 'a domain of 1 to 253 characters', (v) => typeof v === 'string' && v.length > 0 && v.length <= 253),
  ),
  cookieDays: optional(
    rule<number>('cookieDays', 'a number of days above 0 and at most 3650', (v) => typeof v === 'number' && v > 0 && v <= 3650),
  ),
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
