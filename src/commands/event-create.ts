import { optional } from 'superstruct';
import { EventType, Identity, StepPosition, StoryId } from '../schemas';
import { arg, type Command } from './command';

export const eventCreate: Command<[string, number, number, Identity | undefined]> = {
  name: 'event.create',
  args: [
    arg('eventType', EventType),
    arg('storyId', StoryId),
    arg('stepPosition', StepPosition),
    arg('identity', optional(Identity)),
  ],
  run: ([eventType, storyId, stepPosition, identity], ctx) =>
    ctx.send(
      { type: 'event.create', event_type: eventType, story_id: storyId, step_position: stepPosition } as never,
      identity,
    ),
};
