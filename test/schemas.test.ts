// @vitest-environment jsdom
import { validate, type Struct } from 'superstruct';
import { describe as group, expect, it } from 'vitest';
import { describe as explain } from '../src/dispatch';
import { LIMITS } from '../src/limits';
import {
  ApiToken,
  Attributes,
  AudienceId,
  CountryCode,
  Email,
  EventType,
  Extra,
  Identity,
  Phone,
  StepPosition,
  StoryId,
  Tag,
  Title,
  TwitterName,
  WriteMode,
  show,
} from '../src/schemas';

/** A valid value and what it becomes, or an invalid one and the start of its fault. */
type Row = { value: unknown; becomes?: unknown; fault?: string; as?: string };

function check(struct: Struct<any, any>, value: unknown): { ok: true; value: unknown } | { ok: false; fault: string } {
  const [error, result] = validate(value, struct, { coerce: true });
  return error ? { ok: false, fault: explain(error) } : { ok: true, value: result };
}

function runRows(name: string, struct: Struct<any, any>, rows: Row[]): void {
  group(name, () => {
    for (const row of rows) {
      const label = row.as ?? show(row.value);
      if (row.fault === undefined) {
        it(`accepts ${label}`, () => {
          const result = check(struct, row.value);
          expect(result).toEqual({ ok: true, value: 'becomes' in row ? row.becomes : row.value });
        });
      } else {
        it(`refuses ${label}`, () => {
          const result = check(struct, row.value);
          expect(result.ok).toBe(false);
          expect((result as { fault: string }).fault.startsWith(row.fault!)).toBe(true);
        });
      }
    }
  });
}

const person = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' };
const repeat = (n: number, c = 'a') => c.repeat(n);
const fields = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));

runRows('Tag', Tag, [
  { value: 'vip' },
  { value: repeat(LIMITS.tagChars), as: `a tag of ${LIMITS.tagChars} characters` },
  { value: repeat(LIMITS.tagChars + 1), as: 'a tag one character too long', fault: `Expected a non-empty string of at most ${LIMITS.tagChars} characters, but received: "aaaa` },
  { value: '', fault: 'Expected a non-empty string of at most 128 characters, but received: ""' },
  { value: '   ', as: 'a blank tag', fault: 'Expected a non-empty string' },
  { value: 42, fault: 'Expected a non-empty string of at most 128 characters, but received: 42' },
  { value: null, fault: 'Expected a non-empty string of at most 128 characters, but received: null' },
  { value: ['vip'], fault: 'Expected a non-empty string of at most 128 characters, but received: an array' },
]);

runRows('EventType', EventType, [
  { value: 'video_play' },
  { value: repeat(LIMITS.eventTypeChars + 1), as: 'an event type one character too long', fault: 'Expected a non-empty string' },
]);

runRows('ApiToken', ApiToken, [
  { value: 'tok_123' },
  { value: repeat(LIMITS.tokenChars + 1), as: 'a token one character too long', fault: 'Expected a non-empty string' },
]);

for (const [name, struct] of [
  ['StoryId', StoryId],
  ['AudienceId', AudienceId],
] as const) {
  runRows(name, struct, [
    { value: 1 },
    { value: 42 },
    { value: '42', becomes: 42 },
    { value: ' 42 ', becomes: 42 },
    { value: Number.MAX_SAFE_INTEGER },
    { value: 0, fault: 'Expected a positive integer, but received: 0' },
    { value: -1, fault: 'Expected a positive integer, but received: -1' },
    { value: 1.5, fault: 'Expected a positive integer, but received: 1.5' },
    { value: '4.2', fault: 'Expected a positive integer, but received: "4.2"' },
    { value: 'abc', fault: 'Expected a positive integer, but received: "abc"' },
    { value: '', fault: 'Expected a positive integer, but received: ""' },
    { value: '0', fault: 'Expected a positive integer, but received: "0"' },
    { value: '99999999999999999999', fault: 'Expected a positive integer, but received: "99999999999999999999"' },
    { value: 2 ** 53, as: '2 ** 53 (not a safe integer)', fault: 'Expected a positive integer' },
    { value: NaN, fault: 'Expected a positive integer, but received: NaN' },
    { value: null, fault: 'Expected a positive integer, but received: null' },
  ]);
}

runRows('StepPosition', StepPosition, [
  { value: 0 },
  { value: '0', becomes: 0 },
  { value: 3 },
  { value: '7', becomes: 7 },
  { value: -1, fault: 'Expected a non-negative integer, but received: -1' },
  { value: 0.5, fault: 'Expected a non-negative integer, but received: 0.5' },
]);

runRows('WriteMode', WriteMode, [
  { value: 'overwrite' },
  { value: 'merge' },
  { value: undefined, becomes: 'overwrite', as: 'nothing, as overwrite' },
  { value: 'MERGE', fault: 'Expected one of "overwrite", "merge", but received: "MERGE"' },
  { value: 'append', fault: 'Expected one of' },
]);

runRows('Title', Title, [
  { value: 'mr' },
  { value: 'miss' },
  { value: 'mme' },
  { value: 'dr' },
  { value: 'mrs', fault: 'Expected one of "mr", "miss", "mme", "dr", but received: "mrs"' },
  { value: 'MR', fault: 'Expected one of' },
]);

runRows('CountryCode', CountryCode, [
  { value: 'FR' },
  { value: 'fr', becomes: 'FR' },
  { value: ' us ', becomes: 'US' },
  { value: 'XX', fault: 'Expected an ISO 3166-1 alpha-2 country code such as "FR", but received: "XX"' },
  { value: 'FRA', fault: 'Expected an ISO 3166-1 alpha-2 country code' },
  { value: 'F', fault: 'Expected an ISO 3166-1 alpha-2 country code' },
  { value: 33, fault: 'Expected an ISO 3166-1 alpha-2 country code such as "FR", but received: 33' },
]);

runRows('Email', Email, [
  { value: 'ada@example.com' },
  { value: 'a.b+c@sub.example.co' },
  { value: 'ada', fault: `Expected an email address of at most ${LIMITS.emailChars} characters, but received: "ada"` },
  { value: 'ada@example', fault: 'Expected an email address' },
  { value: 'a da@example.com', fault: 'Expected an email address' },
  { value: `${repeat(LIMITS.emailChars)}@x.io`, as: 'an email over the length limit', fault: 'Expected an email address' },
]);

runRows('TwitterName', TwitterName, [
  { value: 'jack' },
  { value: '@jack' },
  { value: 'jack_2006' },
  { value: repeat(15) , as: 'a name of 15 characters' },
  { value: repeat(16), as: 'a name of 16 characters', fault: 'Expected a Twitter name of 1 to 15 letters' },
  { value: 'ja ck', fault: 'Expected a Twitter name' },
  { value: '', fault: 'Expected a Twitter name' },
]);

runRows('Phone', Phone, [
  { value: '+33612345678' },
  { value: '+123456' },
  { value: `+${repeat(15, '1')}`, as: 'a phone of 15 digits' },
  { value: '0612345678', fault: 'Expected a phone number in international format, "+" then 6 to 15 digits, such as "+33612345678", but received: "0612345678"' },
  { value: '+33 6 12 34 56 78', fault: 'Expected a phone number in international format' },
  { value: '+12345', fault: 'Expected a phone number in international format' },
  { value: `+${repeat(16, '1')}`, as: 'a phone of 16 digits', fault: 'Expected a phone number in international format' },
  { value: 33612345678, fault: 'Expected a phone number in international format' },
]);

runRows('Extra', Extra, [
  { value: {}, as: 'no custom fields' },
  { value: { plan: 'pro', seats: 3, trial: false }, as: 'string, number and boolean values' },
  { value: { constructor: 'x', length: 3 }, as: 'constructor and length as plain field names' },
  { value: { 'a.b-c_1': 1 }, as: 'a field name with ".", "-" and "_"' },
  { value: fields(LIMITS.extraFields), as: `${LIMITS.extraFields} fields` },
  { value: { [repeat(LIMITS.extraKeyChars)]: 1 }, as: `a field name of ${LIMITS.extraKeyChars} characters` },
  { value: { note: repeat(LIMITS.attributeChars) }, as: `a value of ${LIMITS.attributeChars} characters` },
  {
    value: fields(LIMITS.extraFields + 1),
    as: `${LIMITS.extraFields + 1} fields`,
    fault: `Expected at most ${LIMITS.extraFields} custom fields, but received: ${LIMITS.extraFields + 1}`,
  },
  {
    value: { [repeat(LIMITS.extraKeyChars + 1)]: 1 },
    as: 'a field name one character too long',
    fault: `"${repeat(40)}…" (65 characters): Expected a field name of 1 to ${LIMITS.extraKeyChars} letters`,
  },
  { value: { '': 1 }, as: 'an empty field name', fault: '"": Expected a field name' },
  { value: { 'a b': 1 }, as: 'a field name with a space', fault: '"a b": Expected a field name' },
  {
    value: { note: repeat(LIMITS.attributeChars + 1) },
    as: 'a value one character too long',
    fault: `note: Expected a string of at most ${LIMITS.attributeChars} characters, a finite number or a boolean, but received: "aaa`,
  },
  { value: { nested: { a: 1 } }, as: 'a nested object', fault: 'nested: Expected a string of at most 256 characters, a finite number or a boolean, but received: an object' },
  { value: { list: [1] }, as: 'an array value', fault: 'list: Expected a string of at most 256 characters, a finite number or a boolean, but received: an array' },
  { value: { none: null }, as: 'a null value', fault: 'none: Expected a string' },
  { value: { n: NaN }, as: 'NaN', fault: 'n: Expected a string of at most 256 characters, a finite number or a boolean, but received: NaN' },
  { value: { n: Infinity }, as: 'Infinity', fault: 'n: Expected a string' },
  { value: JSON.parse('{"__proto__":{"polluted":1}}'), as: 'a __proto__ key', fault: '__proto__: is a reserved name and cannot be a custom field' },
  { value: { prototype: 1 }, as: 'a prototype key', fault: 'prototype: is a reserved name' },
  { value: [1, 2], fault: 'Expected a flat object of custom fields, but received: an array' },
  { value: 'plan=pro', fault: 'Expected a flat object of custom fields, but received: "plan=pro"' },
  { value: new Date(0), as: 'a Date', fault: 'Expected a flat object of custom fields, but received: an object' },
]);

runRows('Attributes', Attributes, [
  { value: person, as: 'a first name, a last name and an email' },
  { value: { first_name: 'Ada', last_name: 'L', twitter_name: '@ada' }, as: 'a twitter_name instead of an email' },
  {
    value: {
      ...person,
      phone: '+33612345678',
      zip_code: '75001',
      title: 'mme',
      job_title: 'Engineer',
      country_code: 'fr',
      external_id: 'crm-1',
      company: 'Analytical Engines',
      extra: { plan: 'pro' },
    },
    becomes: {
      ...person,
      phone: '+33612345678',
      zip_code: '75001',
      title: 'mme',
      job_title: 'Engineer',
      country_code: 'FR',
      external_id: 'crm-1',
      company: 'Analytical Engines',
      extra: { plan: 'pro' },
    },
    as: 'every optional field, the country code upper-cased',
  },
  {
    value: { last_name: 'Lovelace', email: 'ada@example.com' },
    as: 'no first_name',
    fault: 'first_name: Expected a non-empty string of at most 100 characters, but received: undefined',
  },
  { value: { first_name: 'Ada', email: 'ada@example.com' }, as: 'no last_name', fault: 'last_name: Expected a non-empty string' },
  { value: { ...person, first_name: ' ' }, as: 'a blank first_name', fault: 'first_name: Expected a non-empty string' },
  { value: { ...person, last_name: repeat(LIMITS.nameChars + 1) }, as: 'a last_name too long', fault: 'last_name: Expected a non-empty string of at most 100' },
  {
    value: { first_name: 'Ada', last_name: 'Lovelace' },
    as: 'neither email nor twitter_name',
    fault: 'Expected an email or a twitter_name, but received neither',
  },
  { value: { ...person, email: 'nope' }, as: 'a bad email', fault: 'email: Expected an email address' },
  { value: { ...person, phone: '0612' }, as: 'a bad phone', fault: 'phone: Expected a phone number in international format' },
  { value: { ...person, title: 'sir' }, as: 'an unknown title', fault: 'title: Expected one of "mr", "miss", "mme", "dr", but received: "sir"' },
  { value: { ...person, country_code: 'XX' }, as: 'the country code XX', fault: 'country_code: Expected an ISO 3166-1 alpha-2 country code' },
  { value: { ...person, zip_code: repeat(LIMITS.zipChars + 1) }, as: 'a zip code too long', fault: 'zip_code: Expected a non-empty string of at most 16' },
  { value: { ...person, nickname: 'Ada' }, as: 'an unknown field', fault: 'nickname: is not a known field' },
  { value: { ...person, extra: { a: { b: 1 } } }, as: 'a nested extra', fault: 'extra: a: Expected a string' },
  { value: { ...person, extra: JSON.parse('{"__proto__":{"polluted":1}}') }, as: 'an extra with a __proto__ key', fault: 'extra: __proto__: is a reserved name' },
  { value: JSON.parse(`{"__proto__":{"polluted":1},${JSON.stringify(person).slice(1)}`), as: 'a __proto__ field', fault: '__proto__: is not a known field' },
  { value: 'Ada Lovelace', fault: 'Expected an object, but received: "Ada Lovelace"' },
  { value: null, fault: 'Expected an object, but received: null' },
]);

runRows('Identity', Identity, [
  { value: { flm_api_token: 'tok' } },
  { value: { external_id: 'crm-1' } },
  { value: { audience_id: 7 } },
  { value: { audience_id: '7' }, becomes: { audience_id: 7 } },
  { value: { flm_api_token: 'tok', external_id: 'crm-1', audience_id: 7 }, as: 'all three keys' },
  { value: {}, fault: 'Expected one of flm_api_token, external_id or audience_id, but received none' },
  { value: { email: 'ada@example.com' }, as: 'an email only', fault: 'email: is not a known field' },
  { value: { audience_id: 0 }, fault: 'audience_id: Expected a positive integer, but received: 0' },
  { value: { flm_api_token: '' }, fault: 'flm_api_token: Expected a non-empty string' },
  { value: 'tok', fault: 'Expected an object, but received: "tok"' },
]);

group('show', () => {
  const rows: [unknown, string][] = [
    ['vip', '"vip"'],
    [repeat(41), `"${repeat(40)}…" (41 characters)`],
    [42, '42'],
    [undefined, 'undefined'],
    [null, 'null'],
    [[1], 'an array'],
    [{}, 'an object'],
    [() => 1, 'a function'],
    [BigInt(10), '10n'],
  ];
  for (const [value, shown] of rows) {
    it(`renders ${shown} for a ${typeof value}`, () => expect(show(value)).toBe(shown));
  }
});

group('coercion', () => {
  it("leaves the caller's object as it was: the coerced value is a copy", () => {
    const given = { first_name: 'Ada', last_name: 'L', email: 'ada@example.com', country_code: 'fr' };
    expect(check(Attributes, given)).toEqual({ ok: true, value: { ...given, country_code: 'FR' } });
    expect(given.country_code).toBe('fr');
    const identity = { audience_id: '7' };
    expect(check(Identity, identity)).toEqual({ ok: true, value: { audience_id: 7 } });
    expect(identity.audience_id).toBe('7');
  });
});

group('CountryCode', () => {
  // The officially assigned ISO 3166-1 alpha-2 codes, as a list to read; the
  // SDK carries them as a bitmap.
  const ASSIGNED = /^(A[DEFGILMOQRSTUWXZ]|B[ABDEFGHIJLMNOQRSTVWYZ]|C[ACDFGHIKLMNORUVWXYZ]|D[EJKMOZ]|E[CEGHRST]|F[IJKMOR]|G[ABDEFGHILMNPQRSTUWY]|H[KMNRTU]|I[DELMNOQRST]|J[EMOP]|K[EGHIMNPRWYZ]|L[ABCIKRSTUVY]|M[ACDEFGHKLMNOPQRSTUVWXYZ]|N[ACEFGILOPRUZ]|OM|P[AEFGHKLMNRSTWY]|QA|R[EOSUW]|S[ABCDEGHIJKLMNORSTVXYZ]|T[CDFGHJKLMNORTVWZ]|U[AGMSYZ]|V[ACEGINU]|W[FS]|Y[ET]|Z[AMW])$/;

  it('accepts exactly the 249 assigned codes of the 676 from AA to ZZ', () => {
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const accepted: string[] = [];
    for (const a of letters) for (const b of letters) if (check(CountryCode, a + b).ok) accepted.push(a + b);
    expect(accepted).toEqual([...letters].flatMap((a) => [...letters].map((b) => a + b)).filter((code) => ASSIGNED.test(code)));
    expect(accepted).toHaveLength(249);
  });
});
