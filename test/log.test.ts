// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { createLog, FlmError } from '../src/log';

describe('createLog', () => {
  it('writes faults as one console.error line with the [flamefy] prefix', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    createLog().error('tag.add: argument 1 (tag): Expected a non-empty string, but received: 42');
    expect(error.mock.calls).toEqual([['[flamefy] tag.add: argument 1 (tag): Expected a non-empty string, but received: 42']]);
  });

  it('writes debug lines only when debug is on', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const log = createLog();
    log.debug('batch: 3 messages');
    expect(info).not.toHaveBeenCalled();
    log.debugEnabled = true;
    log.debug('batch: 3 messages', { bytes: 10 });
    expect(info.mock.calls).toEqual([['[flamefy] batch: 3 messages', { bytes: 10 }]]);
  });

  it('never throws when the page broke console', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {
      throw new Error('no console');
    });
    vi.spyOn(console, 'info').mockImplementation(() => {
      throw new Error('no console');
    });
    const log = createLog();
    log.debugEnabled = true;
    expect(() => log.error('x')).not.toThrow();
    expect(() => log.debug('x')).not.toThrow();
  });
});

describe('FlmError', () => {
  it('names the command and the reason', () => {
    const error = new FlmError('tag.add', 'consent was denied');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('FlmError');
    expect(error.message).toBe('tag.add: consent was denied');
    expect([error.command, error.reason]).toEqual(['tag.add', 'consent was denied']);
  });
});
