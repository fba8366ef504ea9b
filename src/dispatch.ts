// Checks a command's arguments against its structs and turns the first fault
// into one line: "argument 1 (tag): Expected a non-empty string…, but received: 42".
import { StructError, validate } from 'superstruct';
import type { Command } from './commands/command';

export type Checked = { ok: true; values: unknown[] } | { ok: false; fault: string };

export function checkArgs(command: Command, args: readonly unknown[]): Checked {
  const declared = command.args.length;
  for (let i = declared; i < args.length; i++) {
    if (args[i] !== undefined) {
      return { ok: false, fault: `Expected at most ${declared} arguments, but received ${args.length}` };
    }
  }
  const values: unknown[] = [];
  for (let i = 0; i < declared; i++) {
    const { name, struct } = command.args[i];
    const [error, value] = validate(args[i], struct, { coerce: true });
    if (error) return { ok: false, fault: `argument ${i + 1} (${name}): ${describe(error)}` };
    values[i] = value;
  }
  return { ok: true, values };
}

export function describe(error: StructError): string {
  const failure = error.failures()[0] ?? error;
  const path = failure.path.join('.');
  const message = failure.type === 'never' ? 'is not a known field' : failure.message;
  return path ? `${path}: ${message}` : message;
}
