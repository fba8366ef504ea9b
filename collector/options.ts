// The collector's options: one type, one frozen set of defaults, one resolver.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLLECTOR_LIMITS } from './limits';

export interface CollectorOptions {
  /** TCP port; 0 picks a free one (tests). Default 8080. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1: the collector is not meant to face a network. */
  host?: string;
  /** Append every received message to this JSON Lines file. Default: none. */
  out?: string;
  /** Print nothing per batch. Default false. */
  quiet?: boolean;
  /** Where flm.js, flm.js.map, snippet.min.js and snippet.html are. Default: the directory of dist/collector.mjs. */
  distDir?: string;
  /** Where inspector.html and demo/index.html are. Default: `<distDir>/../collector/public`. */
  publicDir?: string;
  /** Time to receive a batch body, from the request's start. Default 10 s. */
  bodyTimeoutMs?: number;
}

export type Settings = Required<Omit<CollectorOptions, 'out'>> & Pick<CollectorOptions, 'out'>;

// Bundled, this module is dist/collector.mjs, beside the files it serves; run
// from source (tests), it is collector/options.ts and dist/ is one level up.
const here = new URL('.', import.meta.url);
const defaultDist = fileURLToPath(import.meta.url.endsWith('.ts') ? new URL('../dist/', here) : here);

export const DEFAULTS = Object.freeze({
  port: 8080,
  host: '127.0.0.1',
  quiet: false,
  distDir: defaultDist,
  bodyTimeoutMs: COLLECTOR_LIMITS.bodyTimeoutMs,
});

export function resolveOptions(options: CollectorOptions): Settings {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as CollectorOptions;
  const distDir = given.distDir ?? DEFAULTS.distDir;
  return { ...DEFAULTS, publicDir: join(distDir, '..', 'collector', 'public'), ...given, distDir };
}
