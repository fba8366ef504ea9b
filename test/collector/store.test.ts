// @vitest-environment node
// The collector's state on its own, without HTTP.
import { describe, expect, it } from 'vitest';
import { FaultQueue, parseRule } from '../../collector/faults';
import { Store } from '../../collector/store';
import { attributes, register } from './helpers';

function newStore() {
  let token = 0;
  return new Store({ newToken: () => `token-${(token += 1)}`, now: () => new Date('2024-05-01T12:00:00Z') });
}

describe('Store', () => {
  it('answers with the injected token and logs with the injected clock', () => {
    const store = newStore();
    const sent = register();
    const { results, items } = store.receive([sent]);
    expect(results).toEqual([{ id: sent.id, status: 'accepted', audience: { id: 1, api_token: 'token-1' } }]);
    expect(items).toEqual([{ received_at: '2024-05-01T12:00:00.000Z', status: 'accepted', message: sent }]);
    expect(store.log).toEqual(items);
  });

  it('does not change the message it was given', () => {
    const store = newStore();
    const sent = register(attributes({ country_code: 'fr' }));
    const copy = structuredClone(sent);
    store.receive([sent]);
    expect(sent).toEqual(copy);
    expect(store.audiences.list()[0].attributes.country_code).toBe('FR');
  });

  it('counts each status', () => {
    const store = newStore();
    const sent = register();
    store.receive([sent, sent, { id: 'x', type: 'nope' }]);
    expect(store.stats).toEqual({ requests: 0, messages: 3, accepted: 1, duplicate: 1, rejected: 1, bytes: 0 });
  });

  it('merges custom fields key by key and keeps the others', () => {
    const store = newStore();
    store.receive([register(attributes({ extra: { a: 1, b: 'two' } }))]);
    store.receive([register(attributes({ extra: { b: 'deux', c: true } }), 'merge')]);
    expect(store.audiences.list()[0].attributes.extra).toEqual({ a: 1, b: 'deux', c: true });
  });

  it('changes its epoch on reset, so stream readers start over', () => {
    const store = newStore();
    const before = store.epoch;
    store.reset();
    expect(store.epoch).not.toBe(before);
  });
});

describe('FaultQueue', () => {
  it('spends the head rule before the next one', () => {
    const queue = new FaultQueue();
    for (const body of [{ status: 503, times: 2 }, { drop: 'after' }]) {
      const rule = parseRule(body);
      if (typeof rule === 'string') throw new Error(rule);
      queue.add(rule);
    }
    expect([queue.take(), queue.take(), queue.take(), queue.take()]).toEqual([
      { kind: 'status', status: 503 },
      { kind: 'status', status: 503 },
      { kind: 'drop', drop: 'after' },
      undefined,
    ]);
  });
});
