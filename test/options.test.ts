// @vitest-environment jsdom
import { validate } from 'superstruct';
import { describe, expect, it } from 'vitest';
import { describe as explain } from '../src/dispatch';
import { DEFAULTS, InitOptions, resolveOptions } from '../src/options';

const API = 'https://api.flamefy.example';

describe('DEFAULTS', () => {
  it('is frozen, and documents the batching defaults', () => {
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
    expect(DEFAULTS).toMatchObject({ consent: 'granted', debug: false, cookieDays: 395, batchSize: 50, batchWaitMs: 1000 });
    expect(DEFAULTS.maxBatchBytes).toBeLessThan(64 * 1024);
  });
});

describe('InitOptions', () => {
  const rows: { as: string; value: unknown; fault?: string }[] = [
    { as: 'an apiUrl alone', value: { apiUrl: API } },
    { as: 'a relative apiUrl', value: { apiUrl: '/flamefy' } },
    {
      as: 'every option',
      value: { apiUrl: API, debug: true, consent: 'pending', cookieDomain: 'example.com', cookieDays: 30, batchSize: 10, batchWaitMs: 0, maxBatchBytes: 1024, outboxMaxMessages: 5, outboxMaxBytes: 4096 },
    },
    { as: 'no options', value: undefined, fault: 'Expected an object, but received: undefined' },
    { as: 'no apiUrl', value: {}, fault: 'apiUrl: Expected an http or https address, but received: undefined' },
    { as: 'an ftp apiUrl', value: { apiUrl: 'ftp://api.example' }, fault: 'apiUrl: Expected an http or https address, but received: "ftp://api.example"' },
    { as: 'a javascript: apiUrl', value: { apiUrl: 'javascript:alert(1)' }, fault: 'apiUrl: Expected an http or https address' },
    { as: "consent 'denied' at init", value: { apiUrl: API, consent: 'denied' }, fault: 'consent: Expected one of "granted", "pending", but received: "denied"' },
    { as: 'batchSize 0', value: { apiUrl: API, batchSize: 0 }, fault: 'batchSize: Expected a count from 1 to 500, but received: 0' },
    { as: 'batchSize 501', value: { apiUrl: API, batchSize: 501 }, fault: 'batchSize: Expected a count from 1 to 500, but received: 501' },
    { as: 'a decimal batchSize', value: { apiUrl: API, batchSize: 2.5 }, fault: 'batchSize: Expected a count from 1 to 500, but received: 2.5' },
    { as: 'a negative batchWaitMs', value: { apiUrl: API, batchWaitMs: -1 }, fault: 'batchWaitMs: Expected milliseconds from 0 to 60000, but received: -1' },
    { as: 'a maxBatchBytes over what a beacon carries', value: { apiUrl: API, maxBatchBytes: 64 * 1024 }, fault: 'maxBatchBytes: Expected bytes from 1024 to 61440' },
    { as: 'cookieDays 0', value: { apiUrl: API, cookieDays: 0 }, fault: 'cookieDays: Expected a number of days above 0 and at most 3650, but received: 0' },
    { as: 'an empty cookieDomain', value: { apiUrl: API, cookieDomain: '' }, fault: 'cookieDomain: Expected a domain of 1 to 253 characters, but received: ""' },
    { as: 'an unknown option', value: { apiUrl: API, batchWait: 5 }, fault: 'batchWait: is not a known field' },
  ];
  for (const row of rows) {
    it(`${row.fault ? 'refuses' : 'accepts'} ${row.as}`, () => {
      const [error] = validate(row.value, InitOptions, { coerce: true });
      if (!row.fault) expect(error).toBeUndefined();
      else expect(error && explain(error)).toMatch(new RegExp(`^${row.fault.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    });
  }

  it('does not call 0 days allowed when it refuses 0 days', () => {
    const [error] = validate({ apiUrl: API, cookieDays: 0 }, InitOptions);
    expect(explain(error!)).not.toMatch(/from 0 to/);
  });
});

describe('resolveOptions', () => {
  it('lays the options given over the defaults, frozen', () => {
    const options = resolveOptions({ apiUrl: API, batchSize: 10, debug: undefined });
    expect(options).toEqual({ ...DEFAULTS, apiUrl: API, batchSize: 10 });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('drops trailing slashes from apiUrl', () => {
    expect(resolveOptions({ apiUrl: `${API}///` }).apiUrl).toBe(API);
    expect(resolveOptions({ apiUrl: `${API}/base/` }).apiUrl).toBe(`${API}/base`);
  });

  it('resolves a relative apiUrl against the page', () => {
    expect(resolveOptions({ apiUrl: '/flamefy' }).apiUrl).toBe(`${location.origin}/flamefy`);
  });

  const pages: [string, boolean][] = [
    ['https://shop.example/?flm_debug=1', true],
    ['https://shop.example/?a=b&flm_debug=1#top', true],
    ['https://shop.example/?flm_debug=10', false],
    ['https://shop.example/?flm_debug=0', false],
    ['https://shop.example/', false],
  ];
  for (const [page, debug] of pages) {
    it(`${debug ? 'turns' : 'leaves'} debug ${debug ? 'on' : 'off'} for ${page}`, () => {
      expect(resolveOptions({ apiUrl: API }, page).debug).toBe(debug);
    });
  }
});
