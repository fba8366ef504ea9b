// Fault injection for /v1/batch, so that the SDK's retry and delivery paths can
// be tested against a real server: rules queue in the order posted, and each
// batch request takes its fault from the rule at the head of the queue.
import { define, enums, object, optional, validate, type Struct } from 'superstruct';
import { isPlainObject, show } from '../src/schemas';
import { describeFailure } from './describe';
import { COLLECTOR_LIMITS } from './limits';

/** A struct failing with "Expected <expected>, but received: <value>", as the shared schemas do. */
const expecting = <T>(expected: string, test: (value: unknown) => boolean) =>
  define<T>(expected, (value) => test(value) || `Expected ${expected}, but received: ${show(value)}`);

const isInteger = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER) =>
  Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

const Times = expecting<number>('a positive integer', (v) => isInteger(v, 1));
const ErrorStatus = expecting<number>('an error status from 400 to 599', (v) => isInteger(v, 400, 599));
const DelayMs = expecting<number>(`an integer from 0 to ${COLLECTOR_LIMITS.maxFaultDelayMs}`, (v) =>
  isInteger(v, 0, COLLECTOR_LIMITS.maxFaultDelayMs),
);
// Seconds or an HTTP date (RFC 9110 section 10.2.3). It goes into a header:
// printable ASCII only, or Node would throw when writing it.
const RetryAfter = expecting<number | string>(
  'seconds (a non-negative integer) or an HTTP date',
  (v) => isInteger(v, 0) || (typeof v === 'string' && /^[\x20-\x7e]{1,64}$/.test(v) && !Number.isNaN(Date.parse(v))),
);

const StatusRule = object({ status: ErrorStatus, times: optional(Times), retryAfter: optional(RetryAfter) });
const DelayRule = object({ delayMs: DelayMs, times: optional(Times) });
const DropRule = object({ drop: enums(['before', 'after']), times: optional(Times) });

/** One application of a rule to one batch request. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number | string }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'drop'; drop: 'before' | 'after' };

interface Rule {
  fault: Fault;
  /** Batch requests still to affect; Infinity until reset. */
  left: number;
}

const ONE_RULE =
  'Expected one of { "status": 503, "times"?, "retryAfter"? }, { "delayMs": 1500, "times"? } or { "drop": "before" | "after", "times"? }';

/** A rule as posted, or the reason it is refused. */
export function parseRule(body: unknown): Rule | string {
  const kinds = isPlainObject(body) ? ['status', 'delayMs', 'drop'].filter((k) => k in body) : [];
  if (kinds.length !== 1) return ONE_RULE;
  if (kinds[0] === 'status') {
    const rule = check(StatusRule, body);
    if (typeof rule === 'string') return rule;
    const { status, retryAfter, times = 1 } = rule;
    return { fault: { kind: 'status', status, ...(retryAfter !== undefined && { retryAfter }) }, left: times };
  }
  if (kinds[0] === 'delayMs') {
    const rule = check(DelayRule, body);
    if (typeof rule === 'string') return rule;
    // Without a count, a slow server stays slow until reset.
    return { fault: { kind: 'delay', delayMs: rule.delayMs }, left: rule.times ?? Infinity };
  }
  const rule = check(DropRule, body);
  if (typeof rule === 'string') return rule;
  return { fault: { kind: 'drop', drop: rule.drop }, left: rule.times ?? 1 };
}

function check<T>(struct: Struct<T, any>, body: unknown): T | string {
  const [error, value] = validate(body, struct);
  return error ? describeFailure(error) : value;
}

export class FaultQueue {
  private rules: Rule[] = [];

  /** `onDropArmed` runs each time a drop rule is queued. */
  constructor(private readonly onDropArmed: () => void = () => {}) {}

  add(rule: Rule): void {
    this.rules.push(rule);
    if (rule.fault.kind === 'drop') this.onDropArmed();
  }

  /**
   * Whether a drop rule is still queued. Until it is used up, no connection
   * may be kept alive: a browser silently resends a request on a reused
   * keep-alive connection that closes before any answer, so a drop there
   * would never reach the page as a failure (see the server).
   */
  get dropPending(): boolean {
    return this.rules.some((r) => r.fault.kind === 'drop');
  }

  /** The fault for the next batch request, if any; spends one use of the head rule. */
  take(): Fault | undefined {
    const head = this.rules[0];
    if (!head) return undefined;
    head.left -= 1;
    if (head.left <= 0) this.rules.shift();
    return head.fault;
  }

  /** The pending rules, `times: null` standing for "until reset". */
  list(): (Fault & { times: number | null })[] {
    return this.rules.map((r) => ({ ...r.fault, times: Number.isFinite(r.left) ? r.left : null }));
  }

  clear(): void {
    this.rules = [];
  }
}
