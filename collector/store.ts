// The collector's state and the rules of the wire protocol (CONTRACT.md
// section 6): each message is validated with the SDK's own schemas, stored
// once per id, and answered with the entities it created. No I/O here.
import { randomBytes } from 'node:crypto';
import { validate } from 'superstruct';
import { isPlainObject, show, type Identity } from '../src/schemas';
import {
  MESSAGE_FIELDS,
  MESSAGE_TYPES,
  type Message,
  type MessageResult,
  type MessageType,
  type ResultStatus,
} from '../src/protocol';
import { Audiences, type Audience } from './audiences';
import { describeFailure } from './describe';

/** One message as received, for the test API, the stream and the JSON Lines file. */
export interface LogItem {
  received_at: string;
  status: ResultStatus;
  error?: string;
  /** The message exactly as it was sent. */
  message: unknown;
}

export interface Stats {
  /** Requests to /v1/batch, whatever their fate. */
  requests: number;
  /** Messages received, each repeat included. */
  messages: number;
  accepted: number;
  rejected: number;
  duplicate: number;
  /** Body bytes received on /v1/batch. */
  bytes: number;
}

export interface StoreOptions {
  /** Makes an audience's API token. Default: 32 random hex characters. */
  newToken?: () => string;
  /** The clock, for `received_at`. */
  now?: () => Date;
}

type Entities = Pick<MessageResult, 'audience' | 'event' | 'viewer'>;
type Outcome = Entities | { error: string };
type Apply<T extends MessageType> = (message: Extract<Message, { type: T }>, audiences: Audiences) => Outcome;

const audienceRef = (a: Audience) => ({ id: a.id, api_token: a.api_token });

function withAudience(audiences: Audiences, identity: Identity, then: (a: Audience) => Entities): Outcome {
  const audience = audiences.resolve(identity);
  return audience ? then(audience) : { error: `no audience matches identity ${JSON.stringify(identity)}` };
}

/** What each message type does to the state: the registry of the API's side. */
const APPLY: { [T in MessageType]: Apply<T> } = {
  'audience.register': (m, audiences) => ({ audience: audienceRef(audiences.register(m.attributes, m.write_mode)) }),
  'audience.registerViewer': (m, audiences) => {
    const audience = audiences.register(m.attributes, m.write_mode);
    return { audience: audienceRef(audience), viewer: { id: audiences.addViewer(audience, m.story_id).id } };
  },
  'event.create': (m, audiences) =>
    withAudience(audiences, m.identity, (a) => {
      const event = audiences.addEvent(a, { event_type: m.event_type, story_id: m.story_id, step_position: m.step_position });
      return { event: { id: event.id } };
    }),
  'tag.add': (m, audiences) =>
    withAudience(audiences, m.identity, (a) => {
      audiences.addTag(a, m.tag);
      return {};
    }),
  'viewer.create': (m, audiences) =>
    withAudience(audiences, m.identity, (a) => ({ viewer: { id: audiences.addViewer(a, m.story_id).id } })),
};

const isMessageType = (type: unknown): type is MessageType =>
  typeof type === 'string' && Object.prototype.hasOwnProperty.call(MESSAGE_FIELDS, type);

const zeroStats = (): Stats => ({ requests: 0, messages: 0, accepted: 0, rejected: 0, duplicate: 0, bytes: 0 });

export class Store {
  stats: Stats = zeroStats();
  /** Every message received, in arrival order. */
  log: LogItem[] = [];
  /** Changes on every reset, so that a stream reader can tell its place is gone. */
  epoch = randomBytes(4).toString('hex');
  audiences: Audiences;
  /** The first answer given to each message id: the API stores each id once. */
  private answers = new Map<string, MessageResult>();
  private readonly newToken: () => string;
  private readonly now: () => Date;

  constructor(options: StoreOptions = {}) {
    this.newToken = options.newToken ?? (() => randomBytes(16).toString('hex'));
    this.now = options.now ?? (() => new Date());
    this.audiences = new Audiences(this.newToken);
  }

  /** Counts one request to /v1/batch and the body bytes it carried. */
  noteRequest(bytes: number): void {
    this.stats.requests += 1;
    this.stats.bytes += bytes;
  }

  /** Applies a batch's messages in order; returns one result per message and the new log items. */
  receive(messages: unknown[]): { results: MessageResult[]; items: LogItem[] } {
    const receivedAt = this.now().toISOString();
    const results: MessageResult[] = [];
    const items: LogItem[] = [];
    for (const message of messages) {
      const result = this.receiveOne(message);
      results.push(result);
      items.push({ received_at: receivedAt, status: result.status, ...(result.error && { error: result.error }), message });
      this.stats.messages += 1;
      this.stats[result.status] += 1;
    }
    this.log.push(...items);
    return { results, items };
  }

  reset(): void {
    this.stats = zeroStats();
    this.log = [];
    this.epoch = randomBytes(4).toString('hex');
    this.audiences = new Audiences(this.newToken);
    this.answers = new Map();
  }

  private receiveOne(message: unknown): MessageResult {
    const id = isPlainObject(message) ? message.id : undefined;
    // Without an id there is nothing to remember the answer by.
    if (typeof id !== 'string' || id.length === 0) {
      return { id: '', status: 'rejected', error: `id: Expected a non-empty string, but received: ${show(id)}` };
    }
    const first = this.answers.get(id);
    if (first) return first.status === 'rejected' ? first : { ...first, status: 'duplicate' };
    const result = this.apply(id, message as Record<string, unknown>);
    this.answers.set(id, result);
    return result;
  }

  private apply(id: string, message: Record<string, unknown>): MessageResult {
    const { type } = message;
    if (!isMessageType(type)) {
      const expected = MESSAGE_TYPES.map((t) => JSON.stringify(t)).join(', ');
      return { id, status: 'rejected', error: `type: Expected one of ${expected}, but received: ${show(type)}` };
    }
    const [error, valid] = validate(message, MESSAGE_FIELDS[type], { coerce: true });
    if (error) return { id, status: 'rejected', error: describeFailure(error) };
    const outcome = (APPLY[type] as Apply<MessageType>)(valid as Message, this.audiences);
    return 'error' in outcome ? { id, status: 'rejected', error: outcome.error } : { id, status: 'accepted', ...outcome };
  }
}
