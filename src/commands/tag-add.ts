import { optional } from 'superstruct';
import { Identity, Tag } from '../schemas';
import { arg, type Command } from './command';

export const tagAdd: Command<[string, Identity | undefined]> = {
  name: 'tag.add',
  args: [arg('tag', Tag), arg('identity', optional(Identity))],
  run: ([tag, identity], ctx) => ctx.send({ type: 'tag.add', tag } as never, identity),
};
