// The registry of message commands. init, consent and ready steer the SDK
// itself and live in the dispatcher.
import { audienceRegister } from './audience-register';
import { audienceRegisterViewer } from './audience-register-viewer';
import type { Command } from './command';
import { eventCreate } from './event-create';
import { tagAdd } from './tag-add';
import { viewerCreate } from './viewer-create';

export const COMMANDS: Readonly<Record<string, Command>> = Object.freeze({
  'audience.register': audienceRegister,
  'audience.registerViewer': audienceRegisterViewer,
  'event.create': eventCreate,
  'tag.add': tagAdd,
  'viewer.create': viewerCreate,
});
