// The one code path of every command, whether pushed into flmq or called through
// the programmatic API: hold until init (and consent), check, capture, deliver.
import { validate } from 'superstruct';
import { COMMANDS } from './commands';
import type { CommandContext } from './commands/command';
import { readToken, removeToken, writeToken } from './cookie';
import { Delivery, browserClock, type Clock } from './delivery/delivery';
import { Outbox, type Entry } from './delivery/outbox';
import { openLocalStorage } from './delivery/storage';
import { browserTransport, type Transport } from './delivery/transport';
import { checkArgs, describe } from './dispatch';
import { IdentityBook } from './identity';
import { LIMITS } from './limits';
import { createLog, FlmError } from './log';
import { createMessage, newId, utf8Length } from './message';
import { InitOptions, resolveOptions, type Options } from './options';
import type { MessageFields, MessageResult } from './protocol';
import { Consent, type Identity } from './schemas';
import { takeOver } from './delivery/takeover';
import { createTabs, type Tabs } from './delivery/tabs';
import { watchPage } from './delivery/lifecycle';

type State = 'uninitialised' | 'pending' | 'granted' | 'denied';

interface Held {
  name: string;
  args: unknown[];
  at: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const REGISTRATIONS = new Set(['audience.register', 'audience.registerViewer']);

export interface SdkEnvironment {
  transport: Transport;
  clock: Clock;
  random: () => number;
  /** Page events (visibility, pagehide, online); off in unit tests that drive them. */
  watchPage: boolean;
}

export class Sdk {
  readonly log = createLog();
  /** What `ready` callbacks receive: set by the programmatic API. */
  api: unknown;
  private options: Options | undefined;
  private state: State = 'uninitialised';
  private held: Held[] = [];
  private seq = 0;
  private readonly identity = new IdentityBook(readToken);
  private outbox: Outbox | undefined;
  private delivery: Delivery | undefined;
  private tabs: Tabs | undefined;
  private readonly pageId = newId().slice(0, 8);

  constructor(
    private readonly env: SdkEnvironment = {
      transport: browserTransport,
      clock: browserClock,
      random: Math.random,
      watchPage: true,
    },
  ) {}

  get apiUrl(): string | undefined {
    return this.options?.apiUrl;
  }

  /** Runs one command. Never throws: faults are logged once and reject the promise. */
  run(name: string, args: unknown[], at: number = Date.now()): Promise<unknown> {
    try {
      return this.route(name, args, at);
    } catch (error) {
      const fault = error instanceof FlmError ? error : new FlmError(name, `internal error: ${String(error)}`);
      this.log.error(fault.message);
      return Promise.reject(fault);
    }
  }

  private route(name: string, args: unknown[], at: number): Promise<unknown> {
    if (name === 'init') return this.init(args);
    if (this.state === 'uninitialised') return this.hold(name, args, at);
    if (name === 'consent') return this.consent(args);
    if (name === 'ready') return this.ready(args);
    const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) {
      throw new FlmError(name, `unknown command; the commands are init, consent, ready, ${Object.keys(COMMANDS).join(', ')}`);
    }
    if (this.state === 'pending') return this.hold(name, args, at);
    if (this.state === 'denied') {
      this.log.debug(`${name}: dropped, consent was denied`);
      return Promise.reject(new FlmError(name, 'consent was denied'));
    }
    const checked = checkArgs(command, args);
    if (!checked.ok) throw new FlmError(name, checked.fault);
    this.log.debug(`${name}`, checked.values);
    return command.run(checked.values, this.context(name, command.args.length, at));
  }

  private hold(name: string, args: unknown[], at: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.held[this.held.length] = { name, args, at, resolve, reject };
    });
  }

  private release(): void {
    const held = this.held;
    this.held = [];
    for (const { name, args, at, resolve, reject } of held) this.run(name, args, at).then(resolve, reject);
  }

  private init(args: unknown[]): Promise<unknown> {
    if (this.options) throw new FlmError('init', 'already initialised; this call is ignored');
    const [error, given] = validate(args[0], InitOptions, { coerce: true });
    if (error) throw new FlmError('init', `argument 1 (options): ${describe(error)}`);
    this.options = resolveOptions(given, typeof location === 'undefined' ? undefined : location.href);
    this.log.debugEnabled = this.options.debug;
    this.log.debug('init', this.options);
    if (this.options.consent === 'pending') this.state = 'pending';
    else this.grant();
    this.release();
    return Promise.resolve();
  }

  private consent(args: unknown[]): Promise<unknown> {
    const [error, value] = validate(args[0], Consent);
    if (error) throw new FlmError('consent', `argument 1 (state): ${describe(error)}`);
    if (value === 'granted') {
      this.grant();
      this.release();
    } else {
      this.deny();
    }
    return Promise.resolve();
  }

  private ready(args: unknown[]): Promise<unknown> {
    const callback = args[0];
    if (typeof callback !== 'function') {
      throw new FlmError('ready', `argument 1 (callback): Expected a function, but received: ${typeof callback}`);
    }
    try {
      callback(this.api);
    } catch (error) {
      this.log.error(`ready: the callback threw: ${String(error)}`);
    }
    return Promise.resolve();
  }

  private grant(): void {
    if (this.state === 'granted') return;
    this.state = 'granted';
    this.startDelivery(this.options!);
  }

  private deny(): void {
    this.state = 'denied';
    const held = this.held;
    this.held = [];
    for (const h of held) h.reject(new FlmError(h.name, 'consent was denied'));
    this.delivery?.stop();
    if (this.outbox) {
      for (const entry of this.outbox.values()) entry.settle?.reject(new FlmError(entry.message.type, 'consent was denied'));
      this.outbox.clear();
    }
    this.tabs?.release(this.pageId);
    this.delivery = undefined;
    this.outbox = undefined;
    this.tabs = undefined;
    this.identity.forget();
    const options = this.options!;
    removeToken({ domain: options.cookieDomain, days: options.cookieDays });
    const store = openLocalStorage();
    if (store) for (const key of store.keys(`flm1:${scope(options.apiUrl)}:`)) store.remove(key);
  }

  private startDelivery(options: Options): void {
    const { env, log } = this;
    const site = scope(options.apiUrl);
    const outbox = new Outbox(
      `flm1:${site}:${this.pageId}:`,
      { maxMessages: options.outboxMaxMessages, maxBytes: options.outboxMaxBytes },
      (entry, reason) => {
        log.debug(`dropped ${entry.message.type} ${entry.id}: ${reason} (${outbox.dropped} dropped so far)`);
        // A registration pushed out will never answer: its waiters must move on.
        this.onResult(entry, { id: entry.id, status: 'rejected', error: reason });
        entry.settle?.reject(new FlmError(entry.message.type, `dropped: ${reason}`));
      },
    );
    const delivery = new Delivery(
      {
        url: `${options.apiUrl}/v1/batch`,
        batchSize: options.batchSize,
        batchWaitMs: options.batchWaitMs,
        maxBatchBytes: options.maxBatchBytes,
      },
      {
        outbox,
        transport: env.transport,
        clock: env.clock,
        random: env.random,
        log,
        isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
        onResult: (entry, result) => this.onResult(entry, result),
      },
    );
    this.outbox = outbox;
    this.delivery = delivery;
    if (env.watchPage) watchPage(delivery);

    const store = openLocalStorage();
    const tabs = createTabs(site, store);
    this.tabs = tabs;
    void tabs.claim(this.pageId).then(() => {
      if (this.outbox !== outbox) return;
      outbox.persistTo(store);
      if (!store) return;
      return tabs.drain(async (isGone) => {
        if (this.outbox !== outbox) return;
        const adopted = await takeOver(store, site, this.pageId, outbox, isGone, tabs);
        for (const entry of adopted) this.settleOrphan(entry);
        if (adopted.length) {
          log.debug(`took over ${adopted.length} messages left by earlier pages`);
          delivery.ready();
        }
      });
    });
  }

  private context(name: string, argCount: number, at: number): CommandContext {
    return {
      send: (fields, identity) => this.capture(name, argCount, fields as MessageFields, identity, at),
    };
  }

  private capture(
    name: string,
    argCount: number,
    fields: MessageFields,
    explicit: Identity | undefined,
    at: number,
  ): Promise<MessageResult> {
    const message = createMessage(fields, this.seq + 1, at);
    let after: string | undefined;
    if (!REGISTRATIONS.has(fields.type)) {
      const resolved = explicit ? { identity: explicit } : this.identity.current();
      if (!resolved) {
        throw new FlmError(
          name,
          `argument ${argCount} (identity): none given, no audience registered on this page, and no flm_api_token cookie`,
        );
      }
      if ('after' in resolved) after = resolved.after;
      else (message as { identity?: Identity }).identity = resolved.identity;
    }
    const bytes = utf8Length(JSON.stringify(message));
    if (bytes > LIMITS.maxMessageBytes) {
      throw new FlmError(name, `the message is ${bytes} bytes, over the limit of ${LIMITS.maxMessageBytes}`);
    }
    this.seq++;
    if (REGISTRATIONS.has(fields.type)) this.identity.registering(message.id);
    return new Promise<MessageResult>((resolve, reject) => {
      this.outbox!.add(message, { after, settle: { resolve, reject } });
      if (!after) this.delivery!.ready();
    });
  }

  private onResult(entry: Entry, result: MessageResult): void {
    if (!REGISTRATIONS.has(entry.message.type)) return;
    const token = result.status === 'rejected' ? undefined : result.audience?.api_token;
    this.identity.registered(entry.id, token);
    if (token) writeToken(token, { domain: this.options!.cookieDomain, days: this.options!.cookieDays });
    for (const waiter of this.outbox!.waitersOf(entry.id)) this.giveIdentity(waiter, token);
  }

  /** A taken-over message that waits for a registration no longer stored. */
  private settleOrphan(entry: Entry): void {
    if (entry.after && !this.outbox!.has(entry.after)) {
      this.outbox!.waitersOf(entry.after);
      this.giveIdentity(entry, undefined);
    }
  }

  private giveIdentity(waiter: Entry, token: string | undefined): void {
    const outbox = this.outbox!;
    const identity = token ? { flm_api_token: token } : this.identity.known()?.identity;
    if (identity) {
      outbox.fill(waiter, identity);
      this.delivery!.ready();
      return;
    }
    outbox.remove(waiter);
    const reason = 'dropped: the registration it waited for was refused, and there is no other identity';
    this.log.error(`${waiter.message.type}: ${reason}`);
    waiter.settle?.reject(new FlmError(waiter.message.type, reason));
  }
}

/** A short, stable name for an API address, so two APIs keep apart in storage. */
export function scope(apiUrl: string): string {
  let hash = 5381;
  for (let i = 0; i < apiUrl.length; i++) hash = ((hash * 33) ^ apiUrl.charCodeAt(i)) >>> 0;
  return hash.toString(36);
}
