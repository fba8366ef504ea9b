import { Attributes, StoryId, WriteMode } from '../schemas';
import { arg, type Command } from './command';

export const audienceRegisterViewer: Command<[number, Attributes, 'overwrite' | 'merge']> = {
  name: 'audience.registerViewer',
  args: [arg('storyId', StoryId), arg('attributes', Attributes), arg('writeMode', WriteMode)],
  run: ([storyId, attributes, writeMode], ctx) =>
    ctx
      .send({ type: 'audience.registerViewer', story_id: storyId, attributes, write_mode: writeMode })
      .then((result) => ({ ...result, attributes })),
};
