import { optional } from 'superstruct';
import { Identity, StoryId } from '../schemas';
import { arg, type Command } from './command';

export const viewerCreate: Command<[number, Identity | undefined]> = {
  name: 'viewer.create',
  args: [arg('storyId', StoryId), arg('identity', optional(Identity))],
  run: ([storyId, identity], ctx) => ctx.send({ type: 'viewer.create', story_id: storyId } as never, identity),
};
