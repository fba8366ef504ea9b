// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { installQueue, type Runner } from '../src/queue';

/** A fresh object standing for window, a runner that records, and the reports. */
function page(flmq?: unknown) {
  const win: Record<string, any> = flmq === undefined ? {} : { flmq };
  const ran: [string, ...unknown[]][] = [];
  const reports: string[] = [];
  let onRun: (name: string) => void = () => undefined;
  const run: Runner = (name, args) => {
    ran.push([name, ...args]);
    onRun(name);
  };
  return {
    win,
    ran,
    reports,
    whenRun(handler: (name: string) => void) {
      onRun = handler;
    },
    install: () => installQueue(win, run, (line) => reports.push(line)),
  };
}

describe('installQueue', () => {
  it('drains the stub in push order', () => {
    const p = page([['init', { apiUrl: 'https://api.example' }], ['tag.add', 'a'], ['tag.add', 'b']]);
    expect(p.install()).toBe(true);
    expect(p.ran).toEqual([
      ['init', { apiUrl: 'https://api.example' }],
      ['tag.add', 'a'],
      ['tag.add', 'b'],
    ]);
  });

  it('keeps the same array object and replaces its push', () => {
    const stub: unknown[] = [['tag.add', 'early']];
    const originalPush = stub.push;
    const p = page(stub);
    p.install();
    expect(p.win.flmq).toBe(stub);
    expect(stub.push).not.toBe(originalPush);
    expect(stub).toHaveLength(0);
    stub.push(['tag.add', 'late']);
    expect(p.ran).toEqual([
      ['tag.add', 'early'],
      ['tag.add', 'late'],
    ]);
    expect(stub).toHaveLength(0);
  });

  it('makes flmq when the page has none', () => {
    const p = page();
    p.install();
    expect(Array.isArray(p.win.flmq)).toBe(true);
    p.win.flmq.push(['tag.add', 'vip']);
    expect(p.ran).toEqual([['tag.add', 'vip']]);
  });

  it('runs several commands given to one push, in order', () => {
    const p = page([]);
    p.install();
    p.win.flmq.push(['tag.add', 'a'], ['tag.add', 'b'], ['viewer.create', 3]);
    expect(p.ran).toEqual([
      ['tag.add', 'a'],
      ['tag.add', 'b'],
      ['viewer.create', 3],
    ]);
  });

  it('takes arguments objects, as a function flm(){flmq.push(arguments)} wrapper gives them', () => {
    const stub: unknown[] = [];
    const p = page(stub);
    function flm(..._: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      p.win.flmq.push(arguments);
    }
    flm('tag.add', 'before');
    p.install();
    flm('tag.add', 'after', { flm_api_token: 'tok' });
    expect(p.ran).toEqual([
      ['tag.add', 'before'],
      ['tag.add', 'after', { flm_api_token: 'tok' }],
    ]);
  });

  it('runs commands pushed while draining after those already queued', () => {
    const p = page([['ready'], ['tag.add', 'queued']]);
    p.whenRun((name) => {
      if (name === 'ready') p.win.flmq.push(['tag.add', 'from ready']);
    });
    p.install();
    expect(p.ran.map((c) => c[1] ?? c[0])).toEqual(['ready', 'queued', 'from ready']);
  });

  it('runs commands pushed by a later command after it, also after the drain', () => {
    const p = page([]);
    p.install();
    p.whenRun((name) => {
      if (name === 'first') p.win.flmq.push(['third']);
    });
    p.win.flmq.push(['first'], ['second']);
    expect(p.ran.map((c) => c[0])).toEqual(['first', 'second', 'third']);
  });

  it('does nothing when installed a second time', () => {
    const p = page([['tag.add', 'a']]);
    p.install();
    const push = p.win.flmq.push;
    const second = vi.fn();
    expect(installQueue(p.win, second, () => undefined)).toBe(false);
    expect(p.win.flmq.push).toBe(push);
    p.win.flmq.push(['tag.add', 'b']);
    expect(second).not.toHaveBeenCalled();
    expect(p.ran).toEqual([
      ['tag.add', 'a'],
      ['tag.add', 'b'],
    ]);
  });

  it('gives one report for a non-array item and still runs the next command', () => {
    const p = page(['tag.add', ['tag.add', 'next']]);
    p.install();
    expect(p.reports).toEqual([`flmq.push: Expected a command such as ['tag.add', 'vip'], but received: "tag.add"`]);
    expect(p.ran).toEqual([['tag.add', 'next']]);
  });

  it('gives one report for a command without a name and still runs the next command', () => {
    const p = page([]);
    p.install();
    p.win.flmq.push([42, 'x'], ['tag.add', 'next']);
    expect(p.reports).toEqual(['flmq.push: Expected a command name as the first item, but received: 42']);
    expect(p.ran).toEqual([['tag.add', 'next']]);
  });

  it('keeps going when a command throws', () => {
    const p = page([]);
    p.install();
    p.whenRun((name) => {
      if (name === 'boom') throw new Error('boom');
    });
    expect(() => p.win.flmq.push(['boom'], ['tag.add', 'next'])).not.toThrow();
    expect(p.ran.map((c) => c[0])).toEqual(['boom', 'tag.add']);
  });

  it('takes over an array assigned to flmq later', () => {
    const p = page([]);
    p.install();
    const first = p.win.flmq;
    p.win.flmq = [['tag.add', 'in the new array']];
    expect(p.ran).toEqual([['tag.add', 'in the new array']]);
    p.win.flmq.push(['tag.add', 'pushed on the new array']);
    first.push(['tag.add', 'pushed on the old array']);
    expect(p.ran.map((c) => c[1])).toEqual(['in the new array', 'pushed on the new array', 'pushed on the old array']);
  });

  it('loses nothing when the loader runs again: flmq = flmq || []', () => {
    const p = page([['tag.add', 'a']]);
    p.install();
    p.win.flmq = p.win.flmq || [];
    p.win.flmq.push(['tag.add', 'b']);
    expect(p.ran.map((c) => c[1])).toEqual(['a', 'b']);
  });

  it('reports and ignores a non-array assigned to flmq', () => {
    const p = page([]);
    p.install();
    const queue = p.win.flmq;
    p.win.flmq = 'oops';
    expect(p.win.flmq).toBe(queue);
    expect(p.reports).toEqual(['window.flmq: Expected an array, but received: "oops"; the assignment is ignored']);
  });

  it('replaces a flmq that is not an array, with one report', () => {
    const p = page({ push() {} });
    p.install();
    expect(Array.isArray(p.win.flmq)).toBe(true);
    expect(p.reports).toEqual(['window.flmq: Expected an array, but received: an object; it was replaced']);
  });

  it('stamps each command with the time it was pushed', () => {
    vi.useFakeTimers({ now: 1_000 });
    try {
      const at: number[] = [];
      const win: Record<string, unknown> = { flmq: [['a']] };
      installQueue(win, (_name, _args, time) => at.push(time), () => undefined);
      vi.setSystemTime(5_000);
      (win.flmq as unknown[]).push(['b']);
      expect(at).toEqual([1_000, 5_000]);
    } finally {
      vi.useRealTimers();
    }
  });
});
