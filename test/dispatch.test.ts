// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/commands';
import { checkArgs } from '../src/dispatch';
import { createMessage } from '../src/message';
import type { MessageFields } from '../src/protocol';

/** Arguments as pushed, and either the values the command runs with or its one fault line. */
type Row = { args: unknown[]; values?: unknown[]; fault?: string; as: string };

const person = { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' };
const token = { flm_api_token: 'tok' };

const ROWS: Record<string, Row[]> = {
  'audience.register': [
    { as: 'attributes alone, in overwrite mode', args: [person], values: [person, 'overwrite'] },
    { as: 'attributes in merge mode', args: [person, 'merge'], values: [person, 'merge'] },
    { as: 'a lowercase country code, upper-cased', args: [{ ...person, country_code: 'fr' }], values: [{ ...person, country_code: 'FR' }, 'overwrite'] },
    { as: 'no attributes', args: [], fault: 'argument 1 (attributes): Expected an object, but received: undefined' },
    {
      as: 'no first_name',
      args: [{ last_name: 'Lovelace', email: 'ada@example.com' }],
      fault: 'argument 1 (attributes): first_name: Expected a non-empty string of at most 100 characters, but received: undefined',
    },
    {
      as: 'neither email nor twitter_name',
      args: [{ first_name: 'Ada', last_name: 'Lovelace' }],
      fault: 'argument 1 (attributes): Expected an email or a twitter_name, but received neither',
    },
    { as: 'the country XX', args: [{ ...person, country_code: 'XX' }], fault: 'argument 1 (attributes): country_code: Expected an ISO 3166-1 alpha-2 country code such as "FR", but received: "XX"' },
    { as: 'an unknown field', args: [{ ...person, age: 36 }], fault: 'argument 1 (attributes): age: is not a known field' },
    { as: 'an unknown write mode', args: [person, 'append'], fault: 'argument 2 (writeMode): Expected one of "overwrite", "merge", but received: "append"' },
    { as: 'a third argument', args: [person, 'merge', 'x'], fault: 'argument 3: Expected at most 2 arguments (attributes, writeMode), but received 3' },
  ],
  'audience.registerViewer': [
    { as: 'a story id and attributes', args: [12, person], values: [12, person, 'overwrite'] },
    { as: 'a numeric string story id', args: ['42', person, 'merge'], values: [42, person, 'merge'] },
    { as: 'story id 0', args: [0, person], fault: 'argument 1 (storyId): Expected a positive integer, but received: 0' },
    { as: 'attributes first', args: [person], fault: 'argument 1 (storyId): Expected a positive integer, but received: an object' },
    { as: 'a bad title', args: [12, { ...person, title: 'sir' }], fault: 'argument 2 (attributes): title: Expected one of "mr", "miss", "mme", "dr", but received: "sir"' },
  ],
  'event.create': [
    { as: 'step position 0 and no identity', args: ['video_play', 12, 0], values: ['video_play', 12, 0, undefined] },
    { as: 'numeric strings', args: ['video_play', '12', '3', { audience_id: '7' }], values: ['video_play', 12, 3, { audience_id: 7 }] },
    { as: 'an empty event type', args: ['', 12, 0], fault: 'argument 1 (eventType): Expected a non-empty string of at most 128 characters, but received: ""' },
    { as: 'a negative step', args: ['video_play', 12, -1], fault: 'argument 3 (stepPosition): Expected a non-negative integer, but received: -1' },
    { as: 'a decimal story id', args: ['video_play', 1.5, 0], fault: 'argument 2 (storyId): Expected a positive integer, but received: 1.5' },
    {
      as: 'an identity without any of its keys',
      args: ['video_play', 12, 0, {}],
      fault: 'argument 4 (identity): Expected one of flm_api_token, external_id or audience_id, but received none',
    },
  ],
  'tag.add': [
    { as: 'a tag alone', args: ['vip'], values: ['vip', undefined] },
    { as: 'a tag and a token', args: ['vip', token], values: ['vip', token] },
    { as: 'a tag and an explicit undefined identity', args: ['vip', undefined], values: ['vip', undefined] },
    { as: 'a number as tag', args: [42], fault: 'argument 1 (tag): Expected a non-empty string of at most 128 characters, but received: 42' },
    { as: 'no tag', args: [], fault: 'argument 1 (tag): Expected a non-empty string of at most 128 characters, but received: undefined' },
    { as: 'an identity with an unknown key', args: ['vip', { email: 'a@b.co' }], fault: 'argument 2 (identity): email: is not a known field' },
    { as: 'an identity as a string', args: ['vip', 'tok'], fault: 'argument 2 (identity): Expected an object, but received: "tok"' },
    { as: 'a third argument', args: ['vip', token, 1], fault: 'argument 3: Expected at most 2 arguments (tag, identity), but received 3' },
  ],
  'viewer.create': [
    { as: 'a story id', args: [12], values: [12, undefined] },
    { as: 'a numeric string story id', args: ['42', { external_id: 'crm-1' }], values: [42, { external_id: 'crm-1' }] },
    { as: 'a non-numeric story id', args: ['story-12'], fault: 'argument 1 (storyId): Expected a positive integer, but received: "story-12"' },
    { as: 'an identity with audience_id 0', args: [12, { audience_id: 0 }], fault: 'argument 2 (identity): audience_id: Expected a positive integer, but received: 0' },
  ],
};

describe('checkArgs', () => {
  it('has rows for every command of the registry', () => {
    expect(Object.keys(ROWS).sort()).toEqual(Object.keys(COMMANDS).sort());
  });

  for (const [name, rows] of Object.entries(ROWS)) {
    describe(name, () => {
      for (const row of rows) {
        if (row.fault === undefined) {
          it(`accepts ${row.as}`, () => {
            expect(checkArgs(COMMANDS[name], row.args)).toEqual({ ok: true, values: row.values });
          });
        } else {
          it(`refuses ${row.as}`, () => {
            expect(checkArgs(COMMANDS[name], row.args)).toEqual({ ok: false, fault: row.fault });
          });
        }
      }
    });
  }

  it('does not change the arguments it coerces', () => {
    const attributes = { ...person, country_code: 'fr' };
    checkArgs(COMMANDS['audience.register'], [attributes]);
    expect(attributes.country_code).toBe('fr');
  });
});

describe('a JSON payload with a __proto__ key', () => {
  afterEach(() => {
    delete (Object.prototype as { polluted?: unknown }).polluted;
  });

  const payloads: { as: string; command: string; args: () => unknown[]; fields: (args: unknown[]) => MessageFields }[] = [
    {
      as: 'in the attributes',
      command: 'audience.register',
      args: () => [JSON.parse(`{"__proto__":{"polluted":"yes"},${JSON.stringify(person).slice(1)}`)],
      fields: ([attributes]) => ({ type: 'audience.register', attributes, write_mode: 'overwrite' }) as MessageFields,
    },
    {
      as: 'in extra',
      command: 'audience.register',
      args: () => [{ ...person, extra: JSON.parse('{"__proto__":{"polluted":"yes"},"plan":"pro"}') }],
      fields: ([attributes]) => ({ type: 'audience.register', attributes, write_mode: 'overwrite' }) as MessageFields,
    },
    {
      as: 'in the identity',
      command: 'tag.add',
      args: () => ['vip', JSON.parse('{"__proto__":{"polluted":"yes"},"flm_api_token":"tok"}')],
      fields: ([, identity]) => ({ type: 'tag.add', tag: 'vip', identity }) as MessageFields,
    },
  ];

  for (const payload of payloads) {
    it(`${payload.as} is refused and pollutes no prototype, checked or built into a message`, () => {
      const args = payload.args();
      const checked = checkArgs(COMMANDS[payload.command], args);
      expect(checked.ok).toBe(false);
      expect((checked as { fault: string }).fault).toMatch(/__proto__: (is not a known field|is a reserved name)/);
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();

      const message = createMessage(payload.fields(args), 1, 0);
      JSON.parse(JSON.stringify(message));
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    });
  }

  it('keeps constructor and length as plain custom fields', () => {
    const extra = JSON.parse('{"constructor":"x","length":3}');
    const checked = checkArgs(COMMANDS['audience.register'], [{ ...person, extra }]);
    expect(checked).toEqual({ ok: true, values: [{ ...person, extra: { constructor: 'x', length: 3 } }, 'overwrite'] });
    const message = createMessage({ type: 'audience.register', attributes: (checked as { values: any[] }).values[0], write_mode: 'overwrite' }, 1, 0);
    expect(JSON.parse(JSON.stringify(message)).attributes.extra).toEqual({ constructor: 'x', length: 3 });
  });
});
