import { Attributes, WriteMode } from '../schemas';
import { arg, type Command } from './command';

export const audienceRegister: Command<[Attributes, 'overwrite' | 'merge']> = {
  name: 'audience.register',
  args: [arg('attributes', Attributes), arg('writeMode', WriteMode)],
  run: ([attributes, writeMode], ctx) =>
    ctx
      .send({ type: 'audience.register', attributes, write_mode: writeMode })
      .then((result) => ({ ...result, attributes })),
};
