// The one code path of every command, whether pushed into flmq or called through
// the programmatic API: hold until init (and consent), check, capture, deliver.
import { COMMANDS } from './commands';
import { arg, type CommandContext } from './commands/command';
import { readToken, removeToken, writeToken } from './cookie';
import { browserClock, createDelivery, type Clock, type Delivery } from './delivery/delivery';
import { watchPage } from './delivery/lifecycle';
import { createOutbox, rejectEntry, type Entry, type Outbox } from './delivery/outbox';
import { openLocalStorage } from './delivery/storage';
import { createTabs, type Tabs } from './delivery/tabs';
import { takeOver } from './delivery/takeover';
import { browserTransport, type Transport } from './delivery/transport';
import { argsOf, checkArgs } from './dispatch';
import { createIdentityBook } from './identity';
import { LIMITS } from './limits';
import { createLog, FlmError, type Log } from './log';
import { createMessage, newId, utf8Length } from './message';
import { InitOptions, pageHref, resolveOptions, type Options } from './options';
import type { MessageFields, MessageResult } from './protocol';
import { Consent, show, type Identity } from './schemas';

interface Held {
  name: string;
  args: unknown[];
  at: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const REGISTRATIONS = new Set(['audience.register', 'audience.registerViewer']);

// init and consent steer the SDK itself; their argument is checked like a command's.
const INIT = { args: [arg('options', InitOptions)] };
const CONSENT = { args: [arg('state', Consent)] };

export interface SdkEnvironment {
  transport: Transport;
  clock: Clock;
  random: () => number;
  /** Page events (visibility, pagehide, online); off in unit tests that drive them. */
  watchPage: boolean;
}

export interface Sdk {
  readonly log: Log;
  /** What `ready` callbacks receive: set by the programmatic API. */
  api: unknown;
  /** The API address, once init has run. */
  readonly apiUrl: string | undefined;
  /** Runs one command. Never throws: faults are logged once and reject the promise. */
  run(name: string, args: unknown[], at?: number): Promise<unknown>;
}

const BROWSER: SdkEnvironment = { transport: browserTransport, clock: browserClock, random: Math.random, watchPage: true };

export function createSdk(env: SdkEnvironment = BROWSER): Sdk {
  const log = createLog();
  const identity = createIdentityBook(readToken);
  const pageId = newId().slice(0, 8);
  // Before init, options is undefined; consent is granted while outbox is set.
  let options: Options | undefined;
  let denied = false;
  let held: Held[] = [];
  let seq = 0;
  let outbox: Outbox | undefined;
  let delivery: Delivery | undefined;
  let tabs: Tabs | undefined;

  /** Keeps a command until init (or consent) comes; its promise settles when it runs. */
  const hold = (name: string, args: unknown[], at: number) =>
    new Promise((resolve, reject) => {
      held[held.length] = { name, args, at, resolve, reject };
    });

  const release = () => {
    const list = held;
    held = [];
    for (const { name, args, at, resolve, reject } of list) sdk.run(name, args, at).then(resolve, reject);
  };

  /** Consent refused or withdrawn: nothing held or stored survives, nor the cookie. */
  const deny = () => {
    denied = true;
    const list = held;
    held = [];
    for (const h of list) h.reject(new FlmError(h.name, 'consent was denied'));
    if (outbox) {
      delivery!.stop();
      for (const entry of outbox.values()) rejectEntry(entry, 'consent was denied');
      outbox.clear();
      tabs!.release(pageId);
    }
    delivery = outbox = tabs = undefined;
    identity.forget();
    removeToken(options!);
    const store = openLocalStorage();
    if (store) for (const key of store.keys(`flm1:${scope(options!.apiUrl)}:`)) store.remove(key);
  };

  /**
   * Gives a message the identity it waited for: the token of its registration,
   * else the page's or the cookie's; drops it when there is none.
   */
  const giveIdentity = (waiter: Entry, token: string | undefined, why: string) => {
    const known = token ? { identity: { flm_api_token: token } } : identity.known();
    if (known) {
      outbox!.fill(waiter, known.identity);
      delivery!.ready();
      return;
    }
    outbox!.remove(waiter);
    const reason = `dropped: the registration it waited for got no audience (${why}), and there is no other identity`;
    log.error(`${waiter.message.type}: ${reason}`);
    rejectEntry(waiter, reason);
  };

  /** A registration answered: its waiters get its token, and so does the page, unless it registered someone since. */
  const onResult = (entry: Entry, result: MessageResult) => {
    if (!REGISTRATIONS.has(entry.message.type)) return;
    const audience = result.status === 'rejected' ? undefined : result.audience;
    const token = audience && audience.api_token;
    if (identity.registered(entry.id, token, entry.message.ts)) writeToken(token!, options!);
    const why = result.error == null ? 'no reason given' : result.error;
    for (const waiter of outbox!.waitersOf(entry.id)) giveIdentity(waiter, token, why);
  };

  /** Consent is granted: from now on messages are stored and sent. */
  const grant = () => {
    if (outbox) return;
    denied = false;
    const { apiUrl } = options!;
    const site = scope(apiUrl);
    const box = createOutbox(`flm1:${site}:${pageId}:`, options!, (entry, reason) => {
      log.debug(`${entry.id}: dropped: ${reason} (${box.dropped} so far)`);
      // A registration pushed out will never answer: its waiters must move on.
      onResult(entry, { id: entry.id, status: 'rejected', error: reason });
      rejectEntry(entry, `dropped: ${reason}`);
    }, (entry) => REGISTRATIONS.has(entry.message.type));
    // The environment gives transport, clock and random.
    const sender = createDelivery(
      Object.assign({ url: `${apiUrl}/v1/batch` }, options),
      Object.assign(
        { outbox: box, log, onResult, isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false },
        env,
      ),
    );
    outbox = box;
    delivery = sender;

    const store = openLocalStorage();
    const pages = (tabs = createTabs(site, store));
    // In the back/forward cache the page holds no lock: the next page would
    // evict it by asking for one. Its messages may then be sent by another
    // tab as well (answered 'duplicate'), never lost.
    if (env.watchPage) watchPage(sender, { enter: () => pages.release(pageId), leave: () => void (tabs === pages && pages.claim(pageId)) });
    void pages.claim(pageId).then(() => {
      if (outbox !== box) return;
      box.persistTo(store);
      if (!store) return;
      return pages.drain(async (isGone) => {
        if (outbox !== box) return;
        const adopted = await takeOver(store, site, pageId, box, isGone, pages);
        for (const entry of adopted) {
          // Waiting for a registration that is no longer stored: it never answers.
          if (entry.after && box.has(entry.id) && !box.has(entry.after)) giveIdentity(entry, undefined, 'it is no longer stored');
        }
        if (adopted.length) {
          log.debug(`took over ${adopted.length} messages`);
          sender.ready();
        }
      });
    });
  };

  /** The send() of one run of a command: captures its message, stored at once and sent once it has an identity. */
  const captureFor =
    (name: string, argCount: number, at: number): CommandContext['send'] =>
    (fields, explicit) => {
      const message = createMessage(fields, seq + 1, at);
      const registration = REGISTRATIONS.has(fields.type);
      let after: string | undefined;
      if (!registration) {
        const resolved = explicit ? { identity: explicit } : identity.current();
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
      seq++;
      if (registration) identity.registering(message.id);
      return new Promise<MessageResult>((resolve, reject) => {
        outbox!.add(message, { after, settle: { resolve, reject } });
        if (!after) delivery!.ready();
      });
    };

  const route = (name: string, args: unknown[], at: number): Promise<unknown> => {
    if (name === 'init') {
      if (options) {
        // The snippet pasted twice (in the page, and again by a tag manager)
        // says the same init twice: that is no fault to report.
        const again = checkArgs(INIT, args.slice(0, 1));
        if (!again.ok || !sameOptions(resolveOptions(again.values[0] as InitOptions, pageHref()), options)) {
          throw new FlmError('init', 'already initialised with other options; this call is ignored');
        }
        log.debug('init: the same options again, ignored');
        return Promise.resolve();
      }
      const [given] = argsOf('init', INIT, args.slice(0, 1));
      options = resolveOptions(given as InitOptions, pageHref());
      log.debugEnabled = options.debug;
      log.debug('init', options);
      if (options.consent !== 'pending') grant();
      release();
    } else if (!options) {
      return hold(name, args, at);
    } else if (name === 'consent') {
      if (argsOf('consent', CONSENT, args.slice(0, 1))[0] === 'granted') {
        grant();
        release();
      } else {
        deny();
      }
    } else if (name === 'ready') {
      const callback = args[0];
      if (typeof callback !== 'function') {
        throw new FlmError('ready', `argument 1 (callback): Expected a function, but received: ${show(callback)}`);
      }
      try {
        callback(sdk.api);
      } catch (error) {
        log.error(`ready: the callback threw: ${String(error)}`);
      }
    } else {
      const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
      if (!command) {
        throw new FlmError(name, `unknown command; the commands are init, consent, ready, ${Object.keys(COMMANDS).join(', ')}`);
      }
      if (denied) {
        log.debug(`${name}: consent was denied`);
        return Promise.reject(new FlmError(name, 'consent was denied'));
      }
      if (!outbox) return hold(name, args, at); // consent pending
      const values = argsOf(name, command, args);
      log.debug(name, values);
      return command.run(values, { send: captureFor(name, command.args.length, at) });
    }
    return Promise.resolve();
  };

  const sdk: Sdk = {
    log,
    api: undefined,
    get apiUrl() {
      return options && options.apiUrl;
    },
    run(name, args, at = Date.now()) {
      try {
        return route(name, args, at);
      } catch (error) {
        const fault = error instanceof FlmError ? error : new FlmError(name, `internal error: ${String(error)}`);
        log.error(fault.message);
        return Promise.reject(fault);
      }
    },
  };
  return sdk;
}

const sameOptions = (a: Options, b: Options) => (Object.keys(a) as (keyof Options)[]).every((key) => a[key] === b[key]);

/** A short, stable name for an API address, so two APIs keep apart in storage. */
export function scope(apiUrl: string): string {
  let hash = 5381;
  for (let i = 0; i < apiUrl.length; i++) hash = ((hash * 33) ^ apiUrl.charCodeAt(i)) >>> 0;
  return hash.toString(36);
}
