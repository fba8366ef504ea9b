// Checks a command's arguments against its structs and turns the first fault
// into one line: "argument 1 (tag): Expected a non-empty string…, but received: 42".
import { validate, type StructError } from 'superstruct';
import type { Command } from './commands/command';
import { FlmError } from './log';

export type Checked = { ok: true; values: unknown[] } | { ok: false; fault: string };

export function checkArgs(command: Pick<Command, 'args'>, args: readonly unknown[]): Checked {
  const declared = command.args.length;
  for (let i = declared; i < args.length; i++) {
    if (args[i] !== undefined) {
      const names = command.args.map((a) => a.name).join(', ');
      return { ok: false, fault: `argument ${i + 1}: Expected at most ${declared} arguments (${names}), but received ${args.length}` };
    }
  }
  const values: unknown[] = [];
  for (let i = 0; i < declared; i++) {
    const { name, struct } = command.args[i];
    let checked: ReturnType<typeof validate>;
    try {
      checked = validate(args[i], struct, { coerce: true });
    } catch (thrown) {
      // A getter or a Proxy trap of the page's that throws while being read.
      return { ok: false, fault: `argument ${i + 1} (${name}): could not be read (${textOf(thrown)})` };
    }
    const [error, value] = checked;
    if (error) return { ok: false, fault: `argument ${i + 1} (${name}): ${describe(error)}` };
    values[i] = value;
  }
  return { ok: true, values };
}

/** checkArgs for the dispatcher: the values, or the fault thrown as an error of the command. */
export function argsOf(name: string, command: Pick<Command, 'args'>, args: readonly unknown[]): unknown[] {
  const checked = checkArgs(command, args);
  if (!checked.ok) throw new FlmError(name, checked.fault);
  return checked.values;
}

export function describe(error: StructError): string {
  const [failure] = error.failures();
  const path = failure.path.join('.');
  const message = failure.type === 'never' ? 'is not a known field' : failure.message;
  return path ? `${path}: ${message}` : message;
}

/** Any thrown value as text, even one whose toString throws. */
export function textOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return 'an error that cannot be shown';
  }
}
