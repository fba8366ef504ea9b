// The SDK's only voice in the page. The host may have replaced or removed
// console, so every call is guarded: logging must never throw into the page.

export interface Log {
  /** One line for a fault the user must fix or know of. */
  error(line: string): void;
  /** Commands, batches, retries and drops, when debug is on. */
  debug(line: string, ...details: unknown[]): void;
  debugEnabled: boolean;
}

export function createLog(): Log {
  const write = (method: 'error' | 'info', line: string, details: unknown[]) => {
    try {
      console[method](`[flamefy] ${line}`, ...details);
    } catch {
      // No console to speak to: nothing else is safe to do.
    }
  };
  const log: Log = {
    debugEnabled: false,
    error: (line) => write('error', line, []),
    debug(line, ...details) {
      if (log.debugEnabled) write('info', line, details);
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
    // Defined, not assigned: on a page that froze Error.prototype (SES
    // lockdown, hardened JS), assigning an inherited read-only name throws.
    Object.defineProperty(this, 'name', { value: 'FlmError' });
  }
}
