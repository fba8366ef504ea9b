// --out FILE: every received message appended as one JSON line, so that a CI
// job can keep what its browser tests sent after the collector is gone.
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogItem } from './store';

export interface JsonLines {
  write(items: LogItem[]): void;
  close(): Promise<void>;
}

export function openJsonLines(path: string, log: (line: string) => void): JsonLines {
  mkdirSync(dirname(path), { recursive: true });
  const file = createWriteStream(path, { flags: 'a' });
  let failed = false;
  // A full disk must not take the API down: say it once, then stop writing.
  file.on('error', (error) => {
    if (!failed) log(`cannot write ${path}: ${error.message}; messages are no longer saved`);
    failed = true;
  });
  return {
    write(items) {
      if (!failed && items.length > 0) file.write(items.map((item) => `${JSON.stringify(item)}\n`).join(''));
    },
    close: () => new Promise((resolve) => (file.destroyed ? resolve() : file.end(() => resolve()))),
  };
}
