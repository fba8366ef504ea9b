// The nouns of the Flamefy API, shared by the SDK and the collector so that both
// sides enforce the same rules. Every failure reads "Expected X, but received: Y";
// the dispatcher prefixes the command and the argument.
import { define, object, optional, Struct, type Coercer, type Infer } from 'superstruct';
import { LIMITS } from './limits';

/** A short, readable rendering of any value, for error messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `${JSON.stringify(cut)}${value.length > 40 ? ` (${value.length} characters)` : ''}`;
  }
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

/**
 * struct, also held to test once its own checks pass: refine() without the
 * refinement's name. superstruct's refine() delegates with `yield*`, which an
 * es2017 build lowers into a 1 KB helper.
 */
export function refined<T, S>(struct: Struct<T, S>, test: (value: T) => true | string): Struct<T, S> {
  return new Struct({ ...struct, refiner: test });
}

/** struct, its input first converted: coerce() and defaulted() without their helper structs. */
function converted<T, S>(struct: Struct<T, S>, convert: Coercer): Struct<T, S> {
  return new Struct({ ...struct, coercer: convert });
}

/** A struct whose one failure message is "Expected <expected>, but received: <value>". */
export function rule<T>(name: string, expected: string, test: (value: unknown) => boolean): Struct<T, null> {
  return define<T>(name, (value) => test(value) || `Expected ${expected}, but received: ${show(value)}`);
}

/**
 * One of a few strings. Not superstruct's enums(): its message renders the
 * value with `${value}`, which throws on Object.create(null) and overflows on a
 * deeply nested array; show() does neither.
 */
export function oneOf<T extends string>(name: string, ...values: T[]): Struct<T, null> {
  return rule<T>(name, `one of ${values.map((v) => `"${v}"`).join(', ')}`, (v) => values.indexOf(v as T) >= 0);
}

/**
 * object(), with its refusals written by show() for the same reason, and
 * without object()'s own machinery (masking, unknown keys as never()), which
 * the bundle would carry for nothing.
 */
export function shaped<S extends Record<string, Struct<any, any>>>(schema: S): ReturnType<typeof object<S>> {
  const known = Object.keys(schema);
  return new Struct({
    type: 'object',
    schema,
    *entries(value) {
      if (isPlainObject(value)) for (const key of known) yield [key, value[key], schema[key]];
    },
    validator(value) {
      if (!isPlainObject(value)) return `Expected an object, but received: ${show(value)}`;
      const stranger = Object.keys(value).find((key) => known.indexOf(key) < 0);
      return stranger === undefined || `${stranger}: is not a known field`;
    },
    coercer: copyOf,
  }) as ReturnType<typeof object<S>>;
}

/**
 * A copy, so that coercing a field (a country code upper-cased) never changes
 * the caller's object. Spread, not Object.assign(): spread defines each key,
 * so an own "__proto__" key (from JSON.parse) stays a plain key for the
 * validator to refuse, where assign would set the copy's prototype.
 */
const copyOf = (value: unknown): unknown => (isPlainObject(value) ? { ...value } : value);

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.prototype.toString.call(value) === '[object Object]';

function text(max: number): Struct<string, null> {
  return rule<string>(
    'text',
    `a non-empty string of at most ${max} characters`,
    (v) => typeof v === 'string' && v.trim().length > 0 && v.length <= max,
  );
}

// Tag-manager variables arrive as strings: "42" stands for 42.
const NUMERIC = /^\s*\d+\s*$/;
function integerFrom(min: number, expected: string): Struct<number, null> {
  const valid = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= min;
  // Only a string that makes a valid number is converted: a refusal shows what was given ("0", not 0).
  return converted(rule<number>('integer', expected, valid), (v) => (typeof v === 'string' && NUMERIC.test(v) && valid(Number(v)) ? Number(v) : v));
}

export const StoryId = integerFrom(1, 'a positive integer');
export const AudienceId = integerFrom(1, 'a positive integer');
export const StepPosition = integerFrom(0, 'a non-negative integer');

export const Tag = text(LIMITS.tagChars);
export const EventType = text(LIMITS.eventTypeChars);
export const ApiToken = text(LIMITS.tokenChars);
export const ExternalId = text(LIMITS.attributeChars);

export const WriteMode = converted(oneOf('WriteMode', 'overwrite', 'merge'), (v) => (v === undefined ? 'overwrite' : v));

// ISO 3166-1 alpha-2: the 249 officially assigned codes, as a bitmap in hex,
// bit 26 × first letter + second letter (4 bits a digit). 169 digits where the
// codes as a regular expression took 480 characters; test/schemas.test.ts holds
// that expression and checks every code from AA to ZZ against this.
const ASSIGNED =
  '8795fdeefedbdded72f34851084d00e000c5900bf9bf5100d8608187f004043000d1b24f1418f4dfcfff7d52b480001004c3f8351000000400151fdf7ea3bbf9a9140140755804002004000000000100804004001';
const isCountry = (code: unknown) => {
  if (typeof code !== 'string' || !/^[A-Z]{2}$/.test(code)) return false;
  const bit = (code.charCodeAt(0) - 65) * 26 + code.charCodeAt(1) - 65;
  return ((parseInt(ASSIGNED[bit >> 2], 16) >> (bit & 3)) & 1) === 1;
};

export const CountryCode = converted(
  rule<string>('CountryCode', 'an ISO 3166-1 alpha-2 country code such as "FR"', isCountry),
  (v) => (typeof v === 'string' ? v.trim().toUpperCase() : v),
);

export const Email = rule<string>(
  'Email',
  `an email address of at most ${LIMITS.emailChars} characters`,
  (v) => typeof v === 'string' && v.length <= LIMITS.emailChars && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v),
);
export const TwitterName = rule<string>(
  'TwitterName',
  'a Twitter name of 1 to 15 letters, digits or underscores, with an optional leading @',
  (v) => typeof v === 'string' && /^@?\w{1,15}$/.test(v),
);
export const Phone = rule<string>(
  'Phone',
  'a phone number in international format, "+" then 6 to 15 digits, such as "+33612345678"',
  (v) => typeof v === 'string' && /^\+\d{6,15}$/.test(v),
);
export const Title = oneOf('Title', 'mr', 'miss', 'mme', 'dr');

const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype']);
const FIELD_KEY = new RegExp(`^[A-Za-z0-9_.-]{1,${LIMITS.extraKeyChars}}$`);

/** Custom fields: a flat object of string, number or boolean values. */
export const Extra = define<Record<string, string | number | boolean>>('Extra', (value) => {
  if (!isPlainObject(value)) return `Expected a flat object of custom fields, but received: ${show(value)}`;
  const keys = Object.keys(value);
  if (keys.length > LIMITS.extraFields) {
    return `Expected at most ${LIMITS.extraFields} custom fields, but received: ${keys.length}`;
  }
  for (const key of keys) {
    if (FORBIDDEN_KEYS.has(key)) return `${key}: is a reserved name and cannot be a custom field`;
    if (!FIELD_KEY.test(key)) {
      return `${show(key)}: Expected a field name of 1 to ${LIMITS.extraKeyChars} letters, digits, "_", "." or "-"`;
    }
    const field = value[key];
    const ok =
      typeof field === 'boolean' ||
      (typeof field === 'number' && Number.isFinite(field)) ||
      (typeof field === 'string' && field.length <= LIMITS.attributeChars);
    if (!ok) {
      return `${key}: Expected a string of at most ${LIMITS.attributeChars} characters, a finite number or a boolean, but received: ${show(field)}`;
    }
  }
  return true;
});

const name = text(LIMITS.nameChars);
const free = text(LIMITS.attributeChars);

export const Attributes = refined(
  shaped({
    first_name: name,
    last_name: name,
    email: optional(Email),
    twitter_name: optional(TwitterName),
    phone: optional(Phone),
    zip_code: optional(text(LIMITS.zipChars)),
    title: optional(Title),
    job_title: optional(free),
    country_code: optional(CountryCode),
    external_id: optional(ExternalId),
    company: optional(free),
    extra: optional(Extra),
  }),
  (a) => a.email !== undefined || a.twitter_name !== undefined || 'Expected an email or a twitter_name, but received neither',
);
export type Attributes = Infer<typeof Attributes>;

export const Identity = refined(
  shaped({
    flm_api_token: optional(ApiToken),
    external_id: optional(ExternalId),
    audience_id: optional(AudienceId),
  }),
  (i) =>
    i.flm_api_token !== undefined ||
    i.external_id !== undefined ||
    i.audience_id !== undefined ||
    'Expected one of flm_api_token, external_id or audience_id, but received none',
);
export type Identity = Infer<typeof Identity>;

export const Consent = oneOf('Consent', 'granted', 'denied');
