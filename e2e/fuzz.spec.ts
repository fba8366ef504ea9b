// Property-based fuzzing of window.flmq ("Never break the host page"): 10,000
// generated pushes, valid commands mixed with junk, some pushed before the
// bundle loads and the rest after, over four pages. Whatever is pushed, nothing
// is thrown into the page, every valid command reaches the collector once and in
// push order, and every invalid one costs exactly one [flamefy] console line
// naming the command and the argument or the fault.
//
// Replay a run with FLM_FUZZ_SEED=<seed> npx playwright test e2e/fuzz.spec.ts;
// the seed is in every failure message.
import type { BrowserContext } from '@playwright/test';
import fc from 'fast-check';
import { COMMANDS } from '../src/commands/index';
import { checkArgs } from '../src/dispatch';
import { bundleLoaded, expect, test } from './support/fixtures';

const ROUNDS = 4;
/** Per page: pushed before the snippet, in the script right after it (bundle not loaded yet), and once it has loaded. */
const PHASES = { before: 500, afterSnippet: 250, live: 1750 };
/** Live pushes go in a few page.evaluate calls, so that delivery runs between them. */
const LIVE_CHUNK = 450;
const PER_ROUND = PHASES.before + PHASES.afterSnippet + PHASES.live;

const KNOWN = new Set(['init', 'consent', 'ready', ...Object.keys(COMMANDS)]);

// ---------------------------------------------------------------------------
// Values that JSON cannot carry to the page travel as markers and are built
// there (and, identically, in Node for the cross-check against checkArgs).

class Fn {
  /** Numbered once the whole program is generated. */
  id = -1;
}
class Sym {
  constructor(readonly description: string) {}
}
class Big {
  constructor(readonly digits: string) {}
}
class Huge {
  constructor(
    readonly unit: string,
    readonly count: number,
  ) {}
}
class Deep {
  constructor(
    readonly depth: number,
    readonly shape: 'object' | 'array',
  ) {}
}
class Cycle {}
/** An object without a prototype (Object.create(null)), as some libraries make them. */
class Bare {
  constructor(readonly entries: [string, unknown][]) {}
}
/** An `arguments` object, as `function flm(){ flmq.push(arguments) }` pushes. */
class Args {
  constructor(readonly items: readonly unknown[]) {}
}

type Enc =
  | { j: unknown }
  | { u: 1 }
  | { f: number }
  | { sym: string }
  | { big: string }
  | { num: string }
  | { huge: [string, number] }
  | { deep: [number, 'object' | 'array'] }
  | { cycle: 1 }
  | { bare: [string, Enc][] }
  | { a: Enc[] }
  | { o: [string, Enc][] }
  | { args: Enc[] };

function toEnc(v: unknown): Enc {
  if (v === undefined) return { u: 1 };
  if (v instanceof Fn) return { f: v.id };
  if (v instanceof Sym) return { sym: v.description };
  if (v instanceof Big) return { big: v.digits };
  if (v instanceof Huge) return { huge: [v.unit, v.count] };
  if (v instanceof Deep) return { deep: [v.depth, v.shape] };
  if (v instanceof Cycle) return { cycle: 1 };
  if (v instanceof Args) return { args: v.items.map(toEnc) };
  if (v instanceof Bare) return { bare: v.entries.map(([k, x]): [string, Enc] => [k, toEnc(x)]) };
  if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { num: Object.is(v, -0) ? '-0' : String(v) };
  if (Array.isArray(v)) return { a: v.map(toEnc) };
  if (v !== null && typeof v === 'object') {
    return { o: Object.keys(v).map((k): [string, Enc] => [k, toEnc((v as Record<string, unknown>)[k])]) };
  }
  return { j: v };
}

// Runs in the page as its source text: plain JavaScript, no closure.
function decodeFuzz(e: any, makeFn: (id: number) => unknown): unknown {
  if ('j' in e) return e.j;
  if ('u' in e) return undefined;
  if ('f' in e) return makeFn(e.f);
  if ('sym' in e) return Symbol(e.sym);
  if ('big' in e) return BigInt(e.big);
  if ('num' in e) return e.num === '-0' ? -0 : Number(e.num);
  if ('huge' in e) return e.huge[0].repeat(e.huge[1]);
  if ('deep' in e) {
    let v: unknown = e.deep[1] === 'array' ? [] : {};
    for (let i = 0; i < e.deep[0]; i++) v = e.deep[1] === 'array' ? [v] : { a: v };
    return v;
  }
  if ('cycle' in e) {
    const o: Record<string, unknown> = { name: 'cycle' };
    o.self = o;
    return o;
  }
  if ('bare' in e) {
    const o = Object.create(null);
    for (const [k, x] of e.bare) o[k] = decodeFuzz(x, makeFn);
    return o;
  }
  if ('a' in e) return e.a.map((x: unknown) => decodeFuzz(x, makeFn));
  if ('o' in e) {
    // defineProperty, so that a key such as "__proto__" is an own field, as JSON.parse makes it.
    const o = {};
    for (const [k, x] of e.o) Object.defineProperty(o, k, { value: decodeFuzz(x, makeFn), enumerable: true, writable: true, configurable: true });
    return o;
  }
  if ('args' in e) {
    return function (this: unknown) {
      return arguments;
    }.apply(null, e.args.map((x: unknown) => decodeFuzz(x, makeFn)));
  }
  throw new Error(`unknown marker ${JSON.stringify(e)}`);
}

/** An object whose keys, "__proto__" included, are its own fields. */
function own(entries: [string, unknown][]): Record<string, unknown> {
  const o = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o as Record<string, unknown>;
}

// ---------------------------------------------------------------------------
// The model: what each generated push must lead to, decided by construction.

/** The console line expected: it starts with prefix and the rest matches tail. */
interface Line {
  prefix: string;
  tail: RegExp;
}

interface Cmd {
  item: unknown;
  outcome: 'message' | 'noop' | 'refused';
  /** The message fields the collector must receive (besides id, ts, seq). */
  message?: Record<string, unknown>;
  line?: Line;
  /** Refused by the queue itself (not an array, or no name): reported when drained, before init releases what it held. */
  queueLevel?: boolean;
  /** For a command of COMMANDS: what checkArgs must say of its arguments. */
  argsValid?: boolean;
  /** A ready callback: called exactly once. */
  ready?: Fn;
  /** Pushed in the same flmq.push call as the command before it. */
  join?: boolean;
}

interface Audience {
  id: number;
  api_token: string;
  external_id: string;
}

const FAULT = /(Expected \S.*|is not a known field|is a reserved name)/;
const named = (name: string, position: number, arg: string): string => `[flamefy] ${name}: argument ${position} (${arg}): `;

/** A value and what the collector must receive for it. */
interface Good {
  given: unknown;
  sent: unknown;
}
/** A value that breaks the rule of its argument. */
interface Bad {
  given: unknown;
  tail?: RegExp;
  /** Passes checkArgs but is refused later (no identity at all). */
  argsValid?: boolean;
}

const wrap = (name: unknown, args: unknown[], asArgs: boolean) => (asArgs ? new Args([name, ...args]) : [name, ...args]);

/** A command refused with the line prefix, then tail. */
const refused = (item: unknown, prefix: string, tail: RegExp, more: Partial<Cmd> = {}): Cmd => ({
  item,
  outcome: 'refused',
  line: { prefix, tail },
  ...more,
});

/** Neither a plain object nor undefined (as marker or value). */
const notAnObject = (v: unknown) =>
  v === null ||
  (typeof v !== 'object' && v !== undefined) ||
  Array.isArray(v) ||
  v instanceof Deep ||
  v instanceof Big ||
  v instanceof Sym ||
  v instanceof Fn;

function arbitraries(audience: Audience) {
  const fresh = <T>(make: () => T) => fc.constant(0).map(make);
  const fn = fresh(() => new Fn());
  const huge = fc.tuple(fc.constantFrom('z', 'é', '😀', ' '), fc.integer({ min: 50_000, max: 1_000_000 })).map(([u, n]) => new Huge(u, n));
  const deep = fc.tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom<'object' | 'array'>('object', 'array')).map(([d, s]) => new Deep(d, s));
  const protoKeyed = fc
    .array(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'length', 'valueOf', 'then'), fc.jsonValue({ maxDepth: 1 })), {
      minLength: 1,
      maxLength: 3,
    })
    .map((entries) => own(entries));
  const arrayLike = fc.constant(0).map(() => ({ 0: 'tag.add', 1: 'array-like', 2: { external_id: audience.external_id }, length: 3 }));
  /** Anything at all a page might push. */
  const junk: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 8, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 2, arbitrary: fc.constantFrom(undefined, null, true, false, 0, '', ' ') },
    { weight: 2, arbitrary: fn },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((s) => new Sym(s)) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(BigInt(2) ** BigInt(70)), max: BigInt(2) ** BigInt(70) }).map((b) => new Big(String(b))) },
    { weight: 2, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, 1e21, 5e-324, -1) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => 'L'.repeat(n)) },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: fresh(() => new Cycle()) },
    { weight: 1, arbitrary: fc.array(fc.array(fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }), { maxLength: 3 }), { maxLength: 3 }) },
    { weight: 1, arbitrary: protoKeyed },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 }).map((e) => new Bare(e)) },
  );
  const notString = junk.filter((v) => typeof v !== 'string');

  // Text: tag and event type.
  const goodText = (max: number): fc.Arbitrary<Good> =>
    fc
      .oneof(
        { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `v${s}`.slice(0, max)) },
        { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => `v${s}`.slice(0, max)) },
        { weight: 1, arbitrary: fc.constantFrom('x'.repeat(max), ' padded ', 'v\ud800', '</script><!--', '{{Story ID}}', 'v\u2028', '42', 'null') },
      )
      .map((s) => ({ given: s, sent: s }));
  const badText = (max: number): fc.Arbitrary<Bad> =>
    fc
      .oneof(
        { weight: 2, arbitrary: fc.constantFrom('', ' ', '   ', '\t\n', '\u00a0\u2003', '\ufeff', '\u2028') },
        { weight: 2, arbitrary: fc.integer({ min: max + 1, max: max + 300 }).map((n) => 'y'.repeat(n)) },
        { weight: 1, arbitrary: huge },
        { weight: 3, arbitrary: fc.oneof(fc.integer(), fc.double()) },
        { weight: 5, arbitrary: notString },
      )
      .map((given): Bad => ({ given, tail: /^Expected a non-empty string of at most \d+ characters, but received: / }));

  // Integers, which tag-manager variables give as strings.
  const goodInt = (min: number): fc.Arbitrary<Good> =>
    fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min, max: 1000 }).map((n) => ({ given: n, sent: n })) },
      { weight: 1, arbitrary: fc.integer({ min, max: Number.MAX_SAFE_INTEGER }).map((n) => ({ given: n, sent: n })) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.integer({ min, max: 100_000 }), fc.constantFrom('', ' ', '\t', '00'), fc.constantFrom('', ' ', '\n'))
          .map(([n, pad, end]) => ({ given: `${pad}${n}${end}`, sent: n })),
      },
      ...(min === 0 ? [{ weight: 1, arbitrary: fc.constant({ given: -0, sent: 0 }) }] : []),
    );
  const badInt = (min: number): fc.Arbitrary<Bad> =>
    fc
      .oneof(
        { weight: 2, arbitrary: fc.integer({ min: -1000, max: min - 1 }) },
        { weight: 2, arbitrary: fc.integer({ min, max: 1000 }).map((n) => n + 0.5) },
        { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 + 2, 1e21) },
        {
          weight: 3,
          arbitrary: fc.constantFrom('', ' ', 'abc', '4.2', '-1', '1e3', '0x10', '+5', '9'.repeat(17), '٣', 'forty-two', String(min - 1), `${min}px`),
        },
        { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 6 }).filter((s) => !/^\s*\d+\s*$/.test(s)) },
        { weight: 4, arbitrary: junk.filter((v) => typeof v !== 'number' && typeof v !== 'string') },
      )
      .map((given): Bad => ({ given, tail: /^Expected a (positive|non-negative) integer, but received: / }));

  // Identity: the registered audience, named any way the contract allows.
  const plainIdentity: fc.Arbitrary<Good> = fc
    .record({
      token: fc.boolean(),
      external: fc.boolean(),
      id: fc.constantFrom('none', 'number', 'string', 'padded', 'zeros'),
      undefinedKey: fc.boolean(),
    })
    .filter((r) => r.token || r.external || r.id !== 'none')
    .map(({ token, external, id, undefinedKey }) => {
      const given: Record<string, unknown> = {};
      const sent: Record<string, unknown> = {};
      if (token) given.flm_api_token = sent.flm_api_token = audience.api_token;
      if (external) given.external_id = sent.external_id = audience.external_id;
      if (id !== 'none') {
        given.audience_id = { number: audience.id, string: String(audience.id), padded: ` ${audience.id} `, zeros: `00${audience.id}` }[id];
        sent.audience_id = audience.id;
      }
      // An optional field left undefined is as good as absent.
      if (undefinedKey) given[token ? 'external_id' : 'flm_api_token'] ??= undefined;
      return { given, sent };
    });
  const goodIdentity: fc.Arbitrary<Good> = fc
    .tuple(plainIdentity, fc.nat(4))
    .map(([good, bare]) => (bare === 0 ? { given: new Bare(Object.entries(good.given as object)), sent: good.sent } : good));
  const identityFaults: fc.Arbitrary<Bad> = fc.oneof(
    // No identity, and this page has registered no one and has no cookie.
    { weight: 3, arbitrary: fc.constant<Bad>({ given: undefined, argsValid: true, tail: /^none given/ }) },
    { weight: 3, arbitrary: junk.filter(notAnObject).map((given) => ({ given })) },
    { weight: 1, arbitrary: fc.constant({ given: {} }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          plainIdentity,
          fc.oneof(
            fc.constantFrom('__proto__', 'constructor', 'toString', 'audienceId', 'externalId', 'token', 'email'),
            fc.string({ minLength: 1, maxLength: 10 }),
          ),
          fc.jsonValue({ maxDepth: 1 }),
        )
        .filter(([, key]) => !['flm_api_token', 'external_id', 'audience_id'].includes(key))
        .map(([good, key, value]) => ({ given: own([...Object.entries(good.given as object), [key, value ?? 0]]) })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom<[string, unknown]>(
          ['external_id', ''],
          ['external_id', '  '],
          ['external_id', 'e'.repeat(257)],
          ['external_id', 42],
          ['external_id', null],
          ['audience_id', 0],
          ['audience_id', -1],
          ['audience_id', 1.5],
          ['audience_id', 'x'],
          ['audience_id', '1.0'],
          ['audience_id', null],
          ['flm_api_token', ''],
          ['flm_api_token', 't'.repeat(129)],
          ['flm_api_token', 42],
        )
        .chain(([key, value]) => plainIdentity.map((good) => ({ given: { ...(good.given as object), [key]: value } }))),
    },
    { weight: 1, arbitrary: fc.oneof(deep.filter((d) => d.shape === 'object'), fresh(() => new Cycle())).map((given) => ({ given })) },
  );

  interface Slot {
    arg: string;
    good: fc.Arbitrary<Good>;
    bad: fc.Arbitrary<Bad>;
  }
  const SLOTS: Record<string, { slots: Slot[]; fields: string[] }> = {
    'tag.add': {
      slots: [
        { arg: 'tag', good: goodText(128), bad: badText(128) },
        { arg: 'identity', good: goodIdentity, bad: identityFaults },
      ],
      fields: ['tag', 'identity'],
    },
    'event.create': {
      slots: [
        { arg: 'eventType', good: goodText(128), bad: badText(128) },
        { arg: 'storyId', good: goodInt(1), bad: badInt(1) },
        { arg: 'stepPosition', good: goodInt(0), bad: badInt(0) },
        { arg: 'identity', good: goodIdentity, bad: identityFaults },
      ],
      fields: ['event_type', 'story_id', 'step_position', 'identity'],
    },
    'viewer.create': {
      slots: [
        { arg: 'storyId', good: goodInt(1), bad: badInt(1) },
        { arg: 'identity', good: goodIdentity, bad: identityFaults },
      ],
      fields: ['story_id', 'identity'],
    },
  };
  const messageNames = Object.keys(SLOTS);

  const valid: fc.Arbitrary<Cmd> = fc.constantFrom(...messageNames).chain((name) =>
    fc
      .tuple(fc.tuple(...SLOTS[name].slots.map((s) => s.good)), fc.nat(2), fc.nat(4))
      .map(([goods, trailing, style]) => {
        const args = [...goods.map((g) => g.given), ...Array<undefined>(trailing).fill(undefined)];
        const message: Record<string, unknown> = { type: name };
        SLOTS[name].fields.forEach((field, i) => (message[field] = goods[i].sent));
        return { item: wrap(name, args, style === 0), outcome: 'message', message, argsValid: true } satisfies Cmd;
      }),
  );

  // One argument broken, the others good.
  const badArgument: fc.Arbitrary<Cmd> = fc.constantFrom(...messageNames).chain((name) => {
    const { slots } = SLOTS[name];
    return fc.integer({ min: 0, max: slots.length - 1 }).chain((broken) =>
      fc.tuple(fc.tuple(...slots.map((s, i) => (i === broken ? s.bad : s.good))), fc.boolean(), fc.boolean()).map(([values, asArgs, omit]) => {
        const args = values.map((v) => v.given);
        const bad = values[broken] as Bad;
        // An identity left out entirely, rather than pushed as undefined.
        if (omit && broken === slots.length - 1 && bad.given === undefined) args.pop();
        return {
          item: wrap(name, args, asArgs),
          outcome: 'refused',
          argsValid: bad.argsValid ?? false,
          line: { prefix: named(name, broken + 1, slots[broken].arg), tail: bad.tail ?? FAULT },
        } satisfies Cmd;
      }),
    );
  });

  const extraArguments: fc.Arbitrary<Cmd> = fc.constantFrom(...messageNames).chain((name) =>
    fc
      .tuple(
        fc.tuple(...SLOTS[name].slots.map((s) => s.good)),
        fc.array(junk, { minLength: 1, maxLength: 3 }).filter((extra) => extra.some((v) => v !== undefined)),
        fc.boolean(),
      )
      .map(([goods, extra, asArgs]) => {
        const declared = SLOTS[name].slots.length;
        const first = declared + extra.findIndex((v) => v !== undefined) + 1;
        return {
          item: wrap(name, [...goods.map((g) => g.given), ...extra], asArgs),
          outcome: 'refused',
          argsValid: false,
          line: {
            prefix: `[flamefy] ${name}: argument ${first}: Expected at most ${declared} arguments (`,
            tail: new RegExp(`^[\\w, ]+\\), but received ${declared + extra.length}$`),
          },
        } satisfies Cmd;
      }),
  );

  const unknownName: fc.Arbitrary<Cmd> = fc
    .tuple(
      fc
        .oneof(
          fc.constantFrom('Tag.add', 'tag.Add', 'tag.add ', ' tag.add', 'tag_add', 'tags.add', 'event.Create', 'audience.registerviewer'),
          fc.constantFrom('track', 'identify', 'page'),
          fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', ''),
          fc.string({ unit: 'binary', maxLength: 24 }),
        )
        .filter((name) => !KNOWN.has(name)),
      fc.array(junk, { maxLength: 3 }),
      fc.boolean(),
    )
    .map(([name, args, asArgs]) => refused(wrap(name, args, asArgs), `[flamefy] ${name}: unknown command`, /^; the commands are /));

  const notACommand: fc.Arbitrary<Cmd> = fc
    .oneof(junk.filter((v) => !Array.isArray(v) && !(v instanceof Deep && v.shape === 'array')), huge, arrayLike)
    .map((item) => refused(item, "[flamefy] flmq.push: Expected a command such as ['tag.add', 'vip'], but received: ", /./, { queueLevel: true }));
  const noName: fc.Arbitrary<Cmd> = fc
    .tuple(notString, fc.array(junk, { maxLength: 3 }), fc.boolean(), fc.nat(9))
    .map(([first, rest, asArgs, empty]) =>
      refused(empty === 0 ? [] : wrap(first, rest, asArgs), '[flamefy] flmq.push: Expected a command name as the first item, but received: ', /./, {
        queueLevel: true,
      }),
    );

  const secondInit: fc.Arbitrary<Cmd> = fc
    .oneof(fc.constant([{ apiUrl: 'http://evil.example' }]), fc.array(junk, { maxLength: 2 }))
    .map((args) => refused(['init', ...args], '[flamefy] init: already initialised', /./));
  const badConsent: fc.Arbitrary<Cmd> = junk
    .filter((v) => v !== 'granted' && v !== 'denied')
    .map((v) => refused(['consent', v], named('consent', 1, 'state'), /^Expected /));
  const badReady: fc.Arbitrary<Cmd> = junk
    .filter((v) => !(v instanceof Fn))
    .map((v) => refused(['ready', v], named('ready', 1, 'callback'), /^Expected a function, but received: /));
  const ready: fc.Arbitrary<Cmd> = fc
    .tuple(fn, fc.boolean())
    .map(([callback, asArgs]): Cmd => ({ item: wrap('ready', [callback], asArgs), outcome: 'noop', ready: callback }));
  const grantAgain: fc.Arbitrary<Cmd> = fc.constant<Cmd>({ item: ['consent', 'granted'], outcome: 'noop' });

  // Registrations, always broken: a valid one would change who later commands speak for.
  const person = () => ({ first_name: 'Fuzz', last_name: 'Er', email: 'fuzz@example.com' });
  const attributeFaults: fc.Arbitrary<unknown> = fc.oneof(
    fc.constantFrom<() => unknown>(
      () => ({ last_name: 'Er', email: 'fuzz@example.com' }),
      () => ({ first_name: 'Fuzz', last_name: 'Er' }),
      () => ({ ...person(), email: 'not-an-email' }),
      () => ({ ...person(), phone: '0612345678' }),
      () => ({ ...person(), title: 'sir' }),
      () => ({ ...person(), country_code: 'XX' }),
      () => ({ ...person(), zip_code: '1'.repeat(17) }),
      () => ({ ...person(), first_name: 'F'.repeat(101) }),
      () => ({ ...person(), fist_name: 'typo' }),
      () => ({ ...person(), extra: { nested: { no: 1 } } }),
      () => ({ ...person(), extra: JSON.parse('{"__proto__":{"polluted":1}}') }),
      () => ({ ...person(), extra: { prototype: 1 } }),
      () => ({ ...person(), extra: { 'bad key': 1 } }),
      () => ({ ...person(), twitter_name: 'has spaces in it' }),
    ).map((make) => make()),
    junk.filter(notAnObject),
  );
  const badRegistration: fc.Arbitrary<Cmd> = fc.oneof(
    attributeFaults.map((a) => refused(['audience.register', a], named('audience.register', 1, 'attributes'), FAULT, { argsValid: false })),
    junk
      .filter((w) => w !== undefined && w !== 'overwrite' && w !== 'merge')
      .map((w) => refused(['audience.register', person(), w], named('audience.register', 2, 'writeMode'), FAULT, { argsValid: false })),
    badInt(1).map((s) =>
      refused(['audience.registerViewer', s.given, person()], named('audience.registerViewer', 1, 'storyId'), s.tail!, { argsValid: false }),
    ),
    attributeFaults.map((a) => refused(['audience.registerViewer', 42, a], named('audience.registerViewer', 2, 'attributes'), FAULT, { argsValid: false })),
  );

  const command = (afterInit: boolean): fc.Arbitrary<Cmd> =>
    fc
      .tuple(
        fc.oneof(
          { weight: 45, arbitrary: valid },
          { weight: 2, arbitrary: ready },
          { weight: 1, arbitrary: grantAgain },
          { weight: 20, arbitrary: badArgument },
          { weight: 4, arbitrary: extraArguments },
          { weight: 6, arbitrary: unknownName },
          { weight: 5, arbitrary: notACommand },
          { weight: 3, arbitrary: noName },
          // Before init, an init would be THE init: only after.
          { weight: afterInit ? 2 : 0, arbitrary: secondInit },
          { weight: 2, arbitrary: badConsent },
          { weight: 2, arbitrary: badReady },
          { weight: 6, arbitrary: badRegistration },
        ),
        fc.nat(3),
      )
      .map(([cmd, join]) => ({ ...cmd, join: join === 0 }));

  return fc.record({
    before: fc.array(command(false), { minLength: PHASES.before, maxLength: PHASES.before }),
    afterSnippet: fc.array(command(true), { minLength: PHASES.afterSnippet, maxLength: PHASES.afterSnippet }),
    live: fc.array(command(true), { minLength: PHASES.live, maxLength: PHASES.live }),
  });
}

// ---------------------------------------------------------------------------

/** flmq.push calls: each a list of encoded items. */
function pushes(cmds: Cmd[]): Enc[][] {
  const calls: Enc[][] = [];
  for (const cmd of cmds) {
    if (cmd.join && calls.length) calls[calls.length - 1].push(toEnc(cmd.item));
    else calls.push([toEnc(cmd.item)]);
  }
  return calls;
}

/** Source text for an inline script: a string literal that no "</script>" can close. */
const literal = (value: unknown) => JSON.stringify(JSON.stringify(value)).replace(/</g, '\\u003c');

const PAGE_HELPERS = `
window.__fuzzCalls = {};
window.__fuzzDecode = ${decodeFuzz.toString()};
window.__fuzzPush = function (calls) {
  var makeFn = function (id) { return function () { window.__fuzzCalls[id] = (window.__fuzzCalls[id] || 0) + 1; }; };
  for (var i = 0; i < calls.length; i++) {
    var items = calls[i].map(function (e) { return window.__fuzzDecode(e, makeFn); });
    window.flmq.push.apply(window.flmq, items);
  }
};`;

const short = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 160 ? `${text.slice(0, 160)}… (${text.length} characters)` : text;
};

/** Checks the model against the SDK's own validation: where they disagree, one of them is wrong. */
function crossCheck(cmds: Cmd[]): string[] {
  const problems: string[] = [];
  for (const cmd of cmds) {
    if (cmd.queueLevel || cmd.argsValid === undefined) continue;
    const decoded = decodeFuzz(toEnc(cmd.item), () => () => undefined);
    const [name, ...args] = Array.prototype.slice.call(decoded) as [string, ...unknown[]];
    let ok: boolean;
    try {
      ok = checkArgs(COMMANDS[name], args).ok;
    } catch {
      ok = false;
    }
    if (ok !== cmd.argsValid) problems.push(`checkArgs says ${ok ? 'valid' : 'invalid'}, the model ${cmd.argsValid ? 'valid' : 'invalid'}: ${short(toEnc(cmd.item))}`);
  }
  return problems;
}

test.describe('fuzzing the queue', () => {
  test('10,000 random pushes never throw into the page, deliver every valid command once in push order and refuse every other with one line', async ({
    browser,
    site,
    collector,
  }) => {
    test.setTimeout(120_000);
    const seed = process.env.FLM_FUZZ_SEED !== undefined ? Number(process.env.FLM_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
    expect(Number.isSafeInteger(seed), `FLM_FUZZ_SEED must be an integer, not ${process.env.FLM_FUZZ_SEED}`).toBe(true);
    const replay = `seed ${seed} (replay: FLM_FUZZ_SEED=${seed} npx playwright test e2e/fuzz.spec.ts)`;
    test.info().annotations.push({ type: 'fuzz seed', description: String(seed) });
    const totals = { commands: 0, messages: 0, noops: 0, refused: 0, queueLevel: 0, before: 0 };
    const problems: string[] = [];
    const contexts: BrowserContext[] = [];

    // Whatever fails, the assertion at the end tells it with the seed.
    for (let round = 0; round < ROUNDS; round++) {
      const failed = await runRound(round).then(
        () => false,
        (error) => {
          problems.push(`round ${round}: ${String(error)}`);
          return true;
        },
      );
      if (failed) break;
    }
    await Promise.all(contexts.map((c) => c.close()));

    async function runRound(round: number): Promise<void> {
      await collector.reset();
      const registered = await collector.register({ first_name: 'Fuzz', last_name: 'Target', email: 'target@example.com', external_id: `ext-fuzz-${round}` });
      const audience = { ...registered, external_id: `ext-fuzz-${round}` };
      const [program] = fc.sample(arbitraries(audience), { seed: seed + round, numRuns: 1 });
      const all = [...program.before, ...program.afterSnippet, ...program.live];
      let nextFn = 0;
      const fns: Fn[] = [];
      const number = (v: unknown, seen = new Set<unknown>()): void => {
        if (v === null || typeof v !== 'object' || seen.has(v)) return;
        seen.add(v);
        if (v instanceof Fn) {
          v.id = nextFn++;
          fns.push(v);
        } else if (v instanceof Args) v.items.forEach((x) => number(x, seen));
        else if (v instanceof Bare) v.entries.forEach(([, x]) => number(x, seen));
        else Object.values(v).forEach((x) => number(x, seen));
      };
      all.forEach((cmd) => number(cmd.item));

      const disagreements = crossCheck(all);
      problems.push(...disagreements.slice(0, 5).map((p) => `round ${round}: ${p}`));
      if (disagreements.length > 5) problems.push(`round ${round}: ... and ${disagreements.length - 5} more disagreements with checkArgs`);

      // What must come out: messages in push order; lines in the order the SDK
      // meets the faults (the queue's own at drain time, then what init releases).
      const expectedMessages = all.filter((c) => c.outcome === 'message').map((c) => c.message!);
      const refusedBefore = program.before.filter((c) => c.outcome === 'refused');
      const expectedLines = [
        ...refusedBefore.filter((c) => c.queueLevel),
        ...refusedBefore.filter((c) => !c.queueLevel),
        ...[...program.afterSnippet, ...program.live].filter((c) => c.outcome === 'refused'),
      ];
      totals.commands += all.length;
      totals.messages += expectedMessages.length;
      totals.noops += all.filter((c) => c.outcome === 'noop').length;
      totals.refused += expectedLines.length;
      totals.queueLevel += all.filter((c) => c.queueLevel).length;
      totals.before += program.before.length + program.afterSnippet.length;

      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      const thrown: string[] = [];
      const lines: string[] = [];
      page.on('pageerror', (e) => thrown.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error' && m.text().startsWith('[flamefy]')) lines.push(m.text());
      });
      const url = site.page(`/fuzz/${round}`, collector, {
        before: `${PAGE_HELPERS}\nwindow.flmq = window.flmq || [];\n__fuzzPush(JSON.parse(${literal(pushes(program.before))}));`,
        after: `__fuzzPush(JSON.parse(${literal(pushes(program.afterSnippet))}));`,
        // A burst of a few thousand messages is more than the default outbox keeps (1000, oldest dropped first).
        init: { outboxMaxMessages: 20_000 },
      });
      await page.goto(url);
      await page.waitForFunction(bundleLoaded);
      for (let from = 0; from < program.live.length; from += LIVE_CHUNK) {
        const chunk = JSON.stringify(pushes(program.live.slice(from, from + LIVE_CHUNK)));
        await page.evaluate((calls) => (window as any).__fuzzPush(JSON.parse(calls)), chunk);
      }

      // Waiting gives up quietly: what is missing is then told in detail below.
      const waits = await Promise.allSettled([
        expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(expectedLines.length),
        expect.poll(async () => (await collector.stats()).accepted, { timeout: 20_000 }).toBeGreaterThanOrEqual(expectedMessages.length + 1),
      ]);
      const settled = waits.every((w) => w.status === 'fulfilled');
      const received = await collector.messages();
      const stats = await collector.stats();
      const calls: Record<string, number> = await page.evaluate(() => (window as any).__fuzzCalls);
      await context.close();

      const at = `round ${round}`;
      if (thrown.length) problems.push(`${at}: uncaught in the page: ${thrown.slice(0, 3).join(' | ')}`);
      if (lines.length !== expectedLines.length) problems.push(`${at}: ${lines.length} console lines for ${expectedLines.length} refused commands`);
      const wrongLines = expectedLines
        .map(({ line, item }, i) => ({ line: line!, item, got: lines[i] }))
        .filter(({ line, got }, i) => i < lines.length && !(got.startsWith(line.prefix) && line.tail.test(got.slice(line.prefix.length))));
      for (const { line, item, got } of wrongLines.slice(0, 5)) {
        problems.push(`${at}: for ${short(toEnc(item))}: expected "${line.prefix}" then ${line.tail}, got ${short(got)}`);
      }
      if (wrongLines.length > 5) problems.push(`${at}: ... and ${wrongLines.length - 5} more wrong lines`);
      const got = received.map((r) => {
        const { id, ts, seq, ...fields } = r.message;
        return fields;
      });
      if (received.some((r) => r.status !== 'accepted')) problems.push(`${at}: not all accepted: ${short(received.find((r) => r.status !== 'accepted'))}`);
      if (got.length !== expectedMessages.length) problems.push(`${at}: ${got.length} messages arrived for ${expectedMessages.length} valid commands`);
      const first = expectedMessages.findIndex((m, i) => !got[i] || JSON.stringify(sorted(got[i])) !== JSON.stringify(sorted(m)));
      if (first >= 0) problems.push(`${at}: message ${first}: expected ${short(expectedMessages[first])}, got ${short(got[first])}`);
      const seqs = received.map((r) => r.message.seq);
      if (seqs.some((s, i) => s !== i + 1)) problems.push(`${at}: seq is not 1..n in arrival order: ${short(seqs.slice(0, 20))}`);
      if (new Set(received.map((r) => r.message.id)).size !== received.length) problems.push(`${at}: a message id was used twice`);
      if (stats.duplicate || stats.rejected) problems.push(`${at}: ${stats.duplicate} duplicate, ${stats.rejected} rejected`);
      for (const fn of fns) {
        const wanted = all.some((c) => c.ready === fn) ? 1 : 0;
        if ((calls[fn.id] ?? 0) !== wanted) problems.push(`${at}: function ${fn.id} called ${calls[fn.id] ?? 0} times, expected ${wanted}`);
      }
      // A round that timed out has said enough; the next would only take as long.
      if (!settled) throw new Error('gave up waiting for the lines and messages expected');
    }

    console.log(
      `fuzz ${replay}: ${totals.commands} commands (${totals.before} before the bundle loaded): ` +
        `${totals.messages + totals.noops} valid (${totals.messages} messages, ${totals.noops} ready/consent), ` +
        `${totals.refused} invalid (${totals.queueLevel} refused by the queue itself)`,
    );
    expect(problems, `${replay}: ${problems.length} problems`).toEqual([]);
    expect(totals.commands).toBe(ROUNDS * PER_ROUND);
  });
});

/** A copy with keys in order, nested objects too, for comparing JSON. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
  );
}
