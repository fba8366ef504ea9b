// The people the collector knows: audiences with their tags, events and
// viewers. Everything here receives values that the shared schemas have
// already validated; objects are rebuilt from a fixed list of keys, so no key
// from the wire is ever assigned onto an object (no prototype pollution).
import { Attributes, type Identity } from '../src/schemas';
import type { WriteModeT } from '../src/protocol';

export interface StoredEvent {
  id: number;
  event_type: string;
  story_id: number;
  step_position: number;
}

export interface StoredViewer {
  id: number;
  story_id: number;
}

export interface Audience {
  id: number;
  api_token: string;
  attributes: Attributes;
  tags: Set<string>;
  events: StoredEvent[];
  viewers: StoredViewer[];
}

/** An audience as the test API shows it: plain JSON. */
export interface AudienceView extends Omit<Audience, 'tags'> {
  tags: string[];
}

type Extra = NonNullable<Attributes['extra']>;

// The attribute names, taken from the shared schema so the two never drift.
const ATTRIBUTE_KEYS = Object.keys(Attributes.schema) as (keyof Attributes)[];

// Email and Twitter names match whatever their case; a Twitter name with or
// without its leading "@".
const emailKey = (email: string) => email.trim().toLowerCase();
const twitterKey = (name: string) => name.replace(/^@/, '').toLowerCase();

// Object.fromEntries defines properties, it never calls a setter: safe even for
// a key such as "__proto__" (which the Extra schema refuses anyway).
function combineExtra(current: Extra | undefined, given: Extra | undefined): Extra | undefined {
  if (current === undefined && given === undefined) return undefined;
  return Object.fromEntries([...Object.entries(current ?? {}), ...Object.entries(given ?? {})]);
}

/** `overwrite` keeps only what is given; `merge` keeps what is not given, and merges `extra` key by key. */
function writeAttributes(current: Attributes | undefined, given: Attributes, mode: WriteModeT): Attributes {
  const base = mode === 'merge' && current ? current : undefined;
  const entries: [string, unknown][] = [];
  for (const key of ATTRIBUTE_KEYS) {
    const value = key === 'extra' ? combineExtra(base?.extra, given.extra) : (given[key] ?? base?.[key]);
    if (value !== undefined) entries.push([key, value]);
  }
  return Object.fromEntries(entries) as Attributes;
}

export class Audiences {
  private readonly all: Audience[] = [];
  private readonly byId = new Map<number, Audience>();
  private readonly byToken = new Map<string, Audience>();
  private readonly byExternalId = new Map<string, Audience>();
  private readonly byEmail = new Map<string, Audience>();
  private readonly byTwitter = new Map<string, Audience>();
  private nextEventId = 1;
  private nextViewerId = 1;

  constructor(private readonly newToken: () => string) {}

  /** Registers or updates: the audience with this external id, else this email, else this Twitter name. */
  register(attributes: Attributes, mode: WriteModeT): Audience {
    const found = this.find(attributes);
    if (found) {
      this.unindex(found);
      found.attributes = writeAttributes(found.attributes, attributes, mode);
      this.index(found);
      return found;
    }
    const audience: Audience = {
      id: this.all.length + 1,
      api_token: this.newToken(),
      attributes: writeAttributes(undefined, attributes, mode),
      tags: new Set(),
      events: [],
      viewers: [],
    };
    this.all.push(audience);
    this.byId.set(audience.id, audience);
    this.byToken.set(audience.api_token, audience);
    this.index(audience);
    return audience;
  }

  /**
   * The audience an identity names, trying its token, then its external id,
   * then its audience id: a stale token left in a cookie does not hide an
   * external id that the same identity also gives.
   */
  resolve(identity: Identity): Audience | undefined {
    const { flm_api_token: token, external_id: externalId, audience_id: id } = identity;
    return (
      (token !== undefined ? this.byToken.get(token) : undefined) ??
      (externalId !== undefined ? this.byExternalId.get(externalId) : undefined) ??
      (id !== undefined ? this.byId.get(id) : undefined)
    );
  }

  addTag(audience: Audience, tag: string): void {
    audience.tags.add(tag);
  }

  addEvent(audience: Audience, event: Omit<StoredEvent, 'id'>): StoredEvent {
    const stored = { id: this.nextEventId++, ...event };
    audience.events.push(stored);
    return stored;
  }

  addViewer(audience: Audience, storyId: number): StoredViewer {
    const viewer = { id: this.nextViewerId++, story_id: storyId };
    audience.viewers.push(viewer);
    return viewer;
  }

  list(): AudienceView[] {
    return this.all.map((a) => ({ ...a, tags: [...a.tags] }));
  }

  private find(attributes: Attributes): Audience | undefined {
    const { external_id: externalId, email, twitter_name: twitter } = attributes;
    return (
      (externalId !== undefined ? this.byExternalId.get(externalId) : undefined) ??
      (email !== undefined ? this.byEmail.get(emailKey(email)) : undefined) ??
      (twitter !== undefined ? this.byTwitter.get(twitterKey(twitter)) : undefined)
    );
  }

  // When two audiences claim the same key, the one written last owns it.
  private index(audience: Audience): void {
    const { external_id: externalId, email, twitter_name: twitter } = audience.attributes;
    if (externalId !== undefined) this.byExternalId.set(externalId, audience);
    if (email !== undefined) this.byEmail.set(emailKey(email), audience);
    if (twitter !== undefined) this.byTwitter.set(twitterKey(twitter), audience);
  }

  private unindex(audience: Audience): void {
    const { external_id: externalId, email, twitter_name: twitter } = audience.attributes;
    const drop = (map: Map<string, Audience>, key: string | undefined) => {
      if (key !== undefined && map.get(key) === audience) map.delete(key);
    };
    drop(this.byExternalId, externalId);
    drop(this.byEmail, email === undefined ? undefined : emailKey(email));
    drop(this.byTwitter, twitter === undefined ? undefined : twitterKey(twitter));
  }
}
