// The wire protocol (CONTRACT.md section 6): what a batch carries and what the
// API answers. The collector validates incoming messages with MESSAGE_FIELDS,
// built from the same nouns the SDK checks its commands with.
import { integer, min, object, string, type Struct } from 'superstruct';
import {
  Attributes,
  EventType,
  Identity,
  StepPosition,
  StoryId,
  Tag,
  WriteMode,
  type Attributes as AttributesT,
  type Identity as IdentityT,
} from './schemas';

export type WriteModeT = 'overwrite' | 'merge';

interface Envelope {
  /** Unique, kept across retries: the API stores each id once. */
  id: string;
  /** ISO-8601 UTC capture time. */
  ts: string;
  /** Order of capture within the page. */
  seq: number;
}

export type MessageFields =
  | { type: 'audience.register'; attributes: AttributesT; write_mode: WriteModeT }
  | { type: 'audience.registerViewer'; story_id: number; attributes: AttributesT; write_mode: WriteModeT }
  | { type: 'event.create'; event_type: string; story_id: number; step_position: number; identity: IdentityT }
  | { type: 'tag.add'; tag: string; identity: IdentityT }
  | { type: 'viewer.create'; story_id: number; identity: IdentityT };

export type MessageType = MessageFields['type'];
export type Message = Envelope & MessageFields;

export interface Batch {
  sent_at: string;
  messages: Message[];
}

export type ResultStatus = 'accepted' | 'duplicate' | 'rejected';

export interface MessageResult {
  id: string;
  status: ResultStatus;
  error?: string;
  audience?: { id: number; api_token: string };
  event?: { id: number };
  viewer?: { id: number };
}

export interface BatchAnswer {
  results: MessageResult[];
}

const envelope = {
  id: string(),
  type: string(),
  ts: string(),
  seq: min(integer(), 0),
};

/** The struct of each message type, envelope included, as the API checks it. */
export const MESSAGE_FIELDS: Record<MessageType, Struct<any, any>> = {
  'audience.register': object({ ...envelope, attributes: Attributes, write_mode: WriteMode }),
  'audience.registerViewer': object({ ...envelope, story_id: StoryId, attributes: Attributes, write_mode: WriteMode }),
  'event.create': object({
    ...envelope,
    event_type: EventType,
    story_id: StoryId,
    step_position: StepPosition,
    identity: Identity,
  }),
  'tag.add': object({ ...envelope, tag: Tag, identity: Identity }),
  'viewer.create': object({ ...envelope, story_id: StoryId, identity: Identity }),
};

export const MESSAGE_TYPES = Object.keys(MESSAGE_FIELDS) as MessageType[];
