// The programmatic API (CONTRACT.md section 4). Each call is a command run
// through the same path as flmq.push: no second implementation to drift.
import { readToken } from './cookie';
import { FlmError } from './log';
import type { MessageResult } from './protocol';
import type { Attributes, Identity } from './schemas';
import { StoryId } from './schemas';
import { Sdk } from './sdk';
import { validate } from 'superstruct';
import { describe } from './dispatch';
import type { InitOptions } from './options';

export const sdk = new Sdk();

type WriteMode = 'overwrite' | 'merge';
type Registered = MessageResult & { attributes: Attributes };

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
    return sdk.run('audience.register', [attributes, writeMode]).then((r) => FlmAudience.from(r as Registered));
  }

  static registerViewer(storyId: number | string, attributes: Attributes, writeMode?: WriteMode): Promise<FlmAudience> {
    return sdk
      .run('audience.registerViewer', [storyId, attributes, writeMode])
      .then((r) => FlmAudience.from(r as Registered));
  }

  private static from(result: Registered): FlmAudience {
    return new FlmAudience(result.audience?.id ?? 0, result.audience?.api_token ?? '', result.attributes);
  }
}

export class FlmEvent {
  constructor(readonly id: number) {}

  static create(eventType: string, storyId: number | string, stepPosition: number | string, data?: Identity): Promise<FlmEvent> {
    return sdk
      .run('event.create', [eventType, storyId, stepPosition, data])
      .then((r) => new FlmEvent((r as MessageResult).event?.id ?? 0));
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
    return sdk
      .run('viewer.create', [storyId, data])
      .then((r) => new FlmViewer((r as MessageResult).viewer?.id ?? 0));
  }

  /** The API address for this story's viewers; empty, with an error logged, before init or for a bad id. */
  static action(storyId: number | string): string {
    const [error, id] = validate(storyId, StoryId, { coerce: true });
    const fault = error
      ? `argument 1 (storyId): ${describe(error)}`
      : sdk.apiUrl === undefined
        ? 'called before init, so the API address is not known yet'
        : undefined;
    if (fault) {
      sdk.log.error(new FlmError('FlmViewer.action', fault).message);
      return '';
    }
    return `${sdk.apiUrl}/v1/stories/${id}/viewers`;
  }
}

export class FlmCookie {
  /** The token in the flm_api_token cookie, or undefined. */
  static get apiToken(): string | undefined {
    return readToken();
  }
}

sdk.api = Object.freeze({ init, FlmAudience, FlmEvent, FlmTag, FlmViewer, FlmCookie });
