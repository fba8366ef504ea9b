import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';

const loader = readFileSync('snippet/loader.js', 'utf8').replace('FLM_BUNDLE_URL', 'https://cdn.example/flm.js');
const run = () => new Function(loader)();
const injected = () => [...document.querySelectorAll('script[src]')] as HTMLScriptElement[];

describe('the loader in a page', () => {
  beforeEach(() => {
    document.head.innerHTML = '';
    delete (window as any).flmq;
    delete (window as any).trustedTypes;
  });

  it('creates flmq and injects the bundle once, even when run twice, losing no command', () => {
    (window as any).flmq = [['tag.add', 'early']];
    run();
    (window as any).flmq.push(['tag.add', 'between']);
    run();
    expect(injected().map((s) => s.src)).toEqual(['https://cdn.example/flm.js']);
    expect([...(window as any).flmq]).toEqual([
      ['tag.add', 'early'],
      ['tag.add', 'between'],
    ]);
  });

  it('gives the bundle the nonce of the script that runs it', () => {
    const own = document.createElement('script');
    own.nonce = 'n0nce';
    document.head.appendChild(own);
    run();
    expect(injected()[0].nonce).toBe('n0nce');
  });

  it('creates a Trusted Types policy only when a plain address is refused', () => {
    const created: string[] = [];
    (window as any).trustedTypes = {
      createPolicy: (name: string, rules: { createScriptURL(url: string): string }) => {
        created.push(name);
        return rules;
      },
    };
    run();
    expect(created).toEqual([]);

    document.head.innerHTML = '';
    delete (window as any).flmq;
    const src = Object.getOwnPropertyDescriptor(HTMLScriptElement.prototype, 'src')!;
    Object.defineProperty(HTMLScriptElement.prototype, 'src', {
      configurable: true,
      get: src.get,
      set(value: unknown) {
        if (typeof value === 'string' && !created.length) throw new TypeError('This document requires TrustedScriptURL');
        src.set!.call(this, value);
      },
    });
    try {
      run();
    } finally {
      Object.defineProperty(HTMLScriptElement.prototype, 'src', src);
    }
    expect(created).toEqual(['flamefy']);
    expect(injected().map((s) => s.src)).toEqual(['https://cdn.example/flm.js']);
  });
});
