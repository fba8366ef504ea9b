// What a command is: a name, the structs of its arguments in order, and a run()
// that does no I/O itself: it asks its context to send a message.
import type { Struct } from 'superstruct';
import type { MessageFields, MessageResult } from '../protocol';
import type { Identity } from '../schemas';

export interface Arg {
  name: string;
  struct: Struct<any, any>;
}

export interface CommandContext {
  /**
   * Captures a message and resolves with the API's result for it. Types that
   * need an identity take the one given, else the page's own.
   */
  send(fields: MessageFields, identity?: Identity): Promise<MessageResult>;
}

export interface Command<Args extends unknown[] = any[]> {
  name: string;
  args: Arg[];
  run(args: Args, ctx: CommandContext): Promise<unknown>;
}

export const arg = (name: string, struct: Struct<any, any>): Arg => ({ name, struct });
