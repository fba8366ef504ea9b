// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, postBatch, postRaw, register, start, type Collector } from './helpers';

let collector: Collector;
beforeAll(async () => {
  collector = await start();
});
afterAll(() => collector.close());

const ORIGIN = 'https://shop.example';

function expectCors(headers: Headers, origin = ORIGIN) {
  expect(headers.get('access-control-allow-origin')).toBe(origin);
  expect(headers.get('access-control-allow-credentials')).toBe('true');
  expect(headers.get('access-control-expose-headers')).toBe('Retry-After');
  expect(headers.get('vary')).toBe('Origin');
}

describe('CORS', () => {
  const answers: [string, () => Promise<{ status: number; headers: Headers }>, number][] = [
    ['an accepted batch', () => postBatch(collector, [register()], { headers: { Origin: ORIGIN } }), 200],
    ['a malformed body', () => postRaw(collector, '{', { Origin: ORIGIN }), 400],
    ['a wrong content type', () => postRaw(collector, '{}', { Origin: ORIGIN, 'Content-Type': 'text/html' }), 415],
    ['an unknown route', () => get(collector, '/nowhere', { Origin: ORIGIN }), 404],
    ['a wrong method', () => get(collector, '/v1/batch', { Origin: ORIGIN }), 405],
    ['the test API', () => get(collector, '/micro/stats', { Origin: ORIGIN }), 200],
  ];
  for (const [what, send, status] of answers) {
    it(`allows the calling origin on ${what} (${status})`, async () => {
      const answer = await send();
      expect(answer.status).toBe(status);
      expectCors(answer.headers);
    });
  }

  it('answers a preflight with 204 and the allowed methods and headers', async () => {
    const response = await fetch(`${collector.url}/v1/batch`, {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expectCors(response.headers);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    expect(response.headers.get('access-control-allow-headers')).toBe('Content-Type');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('access-control-allow-private-network')).toBeNull();
  });

  it('allows a public page to reach it on the private network when Chrome asks', async () => {
    const response = await fetch(`${collector.url}/v1/batch`, {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Private-Network': 'true' },
    });
    expect(response.headers.get('access-control-allow-private-network')).toBe('true');
  });

  // Browsers refuse "*" with Allow-Credentials: true, so credentials go only with an echoed origin.
  it('allows any origin, without credentials, when the request names none', async () => {
    const answer = await get(collector, '/micro/stats');
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    expect(answer.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });

  it('allows any origin, without credentials, when the Origin cannot be echoed', async () => {
    const answer = await postBatch(collector, [register()], { headers: { Origin: 'https://shop.example bad' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
