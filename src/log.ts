// The SDK's only voice in the page. The host may have replaced or removed
// console, so every call is guarded: logging must never throw into the page.
const PREFIX = '[flamefy]';

export interface Log {
  /** One line for a fault the user must fix or know of. */
  error(line: string): void;
  /** Commands, batches, retries and drops, when debug is on. */
  debug(line: string, ...details: unknown[]): void;
  debugEnabled: boolean;
}

export function createLog(): Log {
  const log: Log = {
    debugEnabled: false,
    error(line) {
      try {
        console.error(`${PREFIX} ${line}`);
      } catch {
        // No console to speak to: nothing else is safe to do.
      }
    },
    debug(line, ...details) {
      if (!log.debugEnabled) return;
      try {
        console.info(`${PREFIX} ${line}`, ...details);
      } catch {
        // As above.
      }
    },
  };
  return log;
}

/** The error type of every refusal: its message names the command and the reason. */
export class FlmError extends Error {
  constructor(
    readonly command: string,
    readonly reason: string,
  ) {
    super(`${command}: ${reason}`);
    this.name = 'FlmError';
  }
}
