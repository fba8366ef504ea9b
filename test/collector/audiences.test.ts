// @vitest-environment node
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { attributes, get, message, post, register, results, start, type Collector } from './helpers';

let collector: Collector;
beforeAll(async () => {
  collector = await start();
});
afterAll(() => collector.close());
beforeEach(() => post(collector, '/micro/reset'));

const audiences = async () => (await get(collector, '/micro/audiences')).body.audiences;

describe('audience.register', () => {
  it('creates an audience, then merges into the one with the same email', async () => {
    const [created] = await results(collector, [
      register(attributes({ phone: '+33612345678', company: 'Analytical', extra: { plan: 'free', seats: 2 } })),
    ]);
    const [merged] = await results(collector, [
      register({ first_name: 'Ada', last_name: 'King', email: 'ADA@example.com', external_id: 'ada-1', extra: { plan: 'pro' } }, 'merge'),
    ]);

    expect(merged.audience).toEqual(created.audience);
    expect(await audiences()).toEqual([
      {
        id: 1,
        api_token: created.audience.api_token,
        attributes: {
          first_name: 'Ada',
          last_name: 'King',
          email: 'ADA@example.com',
          phone: '+33612345678',
          external_id: 'ada-1',
          company: 'Analytical',
          extra: { plan: 'pro', seats: 2 },
        },
        tags: [],
        events: [],
        viewers: [],
      },
    ]);
  });

  it('overwrites the audience with the same external id, keeping only what is given', async () => {
    await results(collector, [register(attributes({ external_id: 'ada-1', phone: '+33612345678', extra: { plan: 'free' } }))]);
    const [overwritten] = await results(collector, [
      register({ first_name: 'Ada', last_name: 'King', email: 'countess@example.com', external_id: 'ada-1' }, 'overwrite'),
    ]);

    expect(overwritten.audience.id).toBe(1);
    expect((await audiences())[0].attributes).toEqual({
      first_name: 'Ada',
      last_name: 'King',
      email: 'countess@example.com',
      external_id: 'ada-1',
    });
  });

  it('matches the external id before the email', async () => {
    await results(collector, [
      register(attributes({ email: 'one@example.com', external_id: 'one' })),
      register(attributes({ email: 'two@example.com', external_id: 'two' })),
    ]);
    const [answer] = await results(collector, [register(attributes({ email: 'one@example.com', external_id: 'two' }), 'merge')]);
    expect(answer.audience.id).toBe(2);
  });

  it('matches a Twitter name with or without its @, whatever its case', async () => {
    const [first] = await results(collector, [register({ first_name: 'Ada', last_name: 'L', twitter_name: '@AdaL' })]);
    const [again] = await results(collector, [register({ first_name: 'Ada', last_name: 'L', twitter_name: 'adal' }, 'merge')]);
    expect(again.audience).toEqual(first.audience);
  });

  it('creates a new audience for an email that another audience gave up', async () => {
    await results(collector, [register(attributes({ external_id: 'ada-1' }))]);
    await results(collector, [register(attributes({ email: 'new@example.com', external_id: 'ada-1' }))]);
    const [answer] = await results(collector, [register(attributes())]);
    expect(answer.audience.id).toBe(2);
  });

  it('defaults to overwrite when write_mode is left out', async () => {
    await results(collector, [register(attributes({ company: 'Analytical' }))]);
    await results(collector, [message('audience.register', { attributes: attributes() })]);
    expect((await audiences())[0].attributes.company).toBeUndefined();
  });
});

describe('identity', () => {
  let token: string;
  beforeEach(async () => {
    [{ audience: { api_token: token } }] = await results(collector, [register(attributes({ external_id: 'ada-1' }))]);
  });

  const cases: [string, () => Record<string, unknown>][] = [
    ['its API token', () => ({ flm_api_token: token })],
    ['its external id', () => ({ external_id: 'ada-1' })],
    ['its audience id', () => ({ audience_id: 1 })],
    ['its audience id as a string', () => ({ audience_id: '1' })],
    ['an unknown token and a known external id', () => ({ flm_api_token: 'stale', external_id: 'ada-1' })],
  ];
  for (const [what, identity] of cases) {
    it(`finds the audience by ${what}`, async () => {
      const answered = await results(collector, [
        message('tag.add', { tag: 'vip', identity: identity() }),
        message('event.create', { event_type: 'click', story_id: 42, step_position: 0, identity: identity() }),
        message('viewer.create', { story_id: 42, identity: identity() }),
      ]);
      expect(answered.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
      expect(await audiences()).toMatchObject([
        { id: 1, tags: ['vip'], events: [{ id: 1, event_type: 'click' }], viewers: [{ id: 1, story_id: 42 }] },
      ]);
    });
  }

  it('rejects a message whose identity matches no audience', async () => {
    const answered = await results(collector, [
      message('tag.add', { tag: 'vip', identity: { external_id: 'x' } }),
      message('viewer.create', { story_id: 42, identity: { audience_id: 99 } }),
      message('event.create', { event_type: 'click', story_id: 42, step_position: 0, identity: { flm_api_token: 'nope' } }),
    ]);
    expect(answered.map((r) => r.error)).toEqual([
      'no audience matches identity {"external_id":"x"}',
      'no audience matches identity {"audience_id":99}',
      'no audience matches identity {"flm_api_token":"nope"}',
    ]);
  });

  it('rejects an identity that names nothing', async () => {
    const [answer] = await results(collector, [message('tag.add', { tag: 'vip', identity: {} })]);
    expect(answer.error).toBe('identity: Expected one of flm_api_token, external_id or audience_id, but received none');
  });
});

describe('POST /micro/reset', () => {
  it('forgets audiences, messages, stats and answers, and numbers from 1 again', async () => {
    const first = register();
    await results(collector, [first]);
    await post(collector, '/micro/reset');

    expect(await audiences()).toEqual([]);
    expect((await get(collector, '/micro/messages')).body.messages).toEqual([]);
    expect((await get(collector, '/micro/stats')).body).toEqual({ requests: 0, messages: 0, accepted: 0, rejected: 0, duplicate: 0, bytes: 0 });
    const [again] = await results(collector, [first]);
    expect(again).toMatchObject({ status: 'accepted', audience: { id: 1 } });
  });
});
