// The programmatic API (CONTRACT.md section 4). Each call is a command run
// through the same path as flmq.push: no second implementation to drift.
import { arg } from './commands/command';
import { readToken } from './cookie';
import { checkArgs } from './dispatch';
import type { InitOptions } from './options';
import type { MessageResult } from './protocol';
import type { Attributes, Identity } from './schemas';
import { StoryId } from './schemas';
import { createSdk } from './sdk';

export const sdk = createSdk();

type WriteMode = 'overwrite' | 'merge';
type Registered = MessageResult & { attributes: Attributes };

/** The id of an entity the API answered with; 0 when it gave none. */
const idOf = (entity: { id: number } | undefined) => (entity && entity.id) || 0;

const STORY_ID = { args: [arg('storyId', StoryId)] };

export function init(options: InitOptions): Promise<void> {
  return sdk.run('init', [options]) as Promise<void>;
}

export class FlmAudience {
  constructor(
    /** Flamefy audience unique identifier. */
    readonly id: number,
    /** The audience's API token. */
    readonly apiToken: string,
    readonly attributes: Attributes,
  ) {}

  static register(attributes: Attributes, writeMode?: WriteMode): Promise<FlmAudience> {
    return sdk.run('audience.register', [attributes, writeMode]).then(audienceOf);
  }

  static registerViewer(storyId: number | string, attributes: Attributes, writeMode?: WriteMode): Promise<FlmAudience> {
    return sdk.run('audience.registerViewer', [storyId, attributes, writeMode]).then(audienceOf);
  }
}

function audienceOf(result: unknown): FlmAudience {
  const { audience, attributes } = result as Registered;
  return new FlmAudience(idOf(audience), (audience && audience.api_token) || '', attributes);
}

export class FlmEvent {
  constructor(readonly id: number) {}

  static create(eventType: string, storyId: number | string, stepPosition: number | string, data?: Identity): Promise<FlmEvent> {
    return sdk
      .run('event.create', [eventType, storyId, stepPosition, data])
      .then((r) => new FlmEvent(idOf((r as MessageResult).event)));
  }
}

export class FlmTag {
  static add(tag: string, data?: Identity): Promise<void> {
    return sdk.run('tag.add', [tag, data]).then(() => undefined);
  }
}

export class FlmViewer {
  constructor(readonly id: number) {}

  static create(storyId: number | string, data?: Identity): Promise<FlmViewer> {
    return sdk.run('viewer.create', [storyId, data]).then((r) => new FlmViewer(idOf((r as MessageResult).viewer)));
  }

  /** The API address for this story's viewers; empty, with an error logged, before init or for a bad id. */
  static action(storyId: number | string): string {
    const checked = checkArgs(STORY_ID, [storyId]);
    const fault = !checked.ok
      ? checked.fault
      : sdk.apiUrl === undefined
        ? 'called before init, so the API address is not known yet'
        : '';
    if (fault) {
      sdk.log.error(`FlmViewer.action: ${fault}`);
      return '';
    }
    return `${sdk.apiUrl}/v1/stories/${(checked as { values: unknown[] }).values[0]}/viewers`;
  }
}

export class FlmCookie {
  /** The token in the flm_api_token cookie, or undefined. */
  static get apiToken(): string | undefined {
    return readToken();
  }
}

sdk.api = Object.freeze({ init, FlmAudience, FlmEvent, FlmTag, FlmViewer, FlmCookie });
