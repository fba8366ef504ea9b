// Takes over window.flmq: drains what the stub holds, in push order, then
// replaces push on the SAME array, so references taken earlier keep working.
// Commands pushed while draining (from a ready callback, say) run after those
// already queued, never in the middle.
import { textOf } from './dispatch';
import { show } from './schemas';

export type Runner = (name: string, args: unknown[], at: number) => void;

// Set on window by the first copy of the bundle; a second copy does nothing.
const INSTALLED = '__flamefyQueue';

const { slice } = Array.prototype;

export function installQueue(win: Record<string, unknown>, run: Runner, report: (line: string) => void): boolean {
  if (win[INSTALLED]) return false;
  Object.defineProperty(win, INSTALLED, { value: true });

  /** Commands not yet run, each with the time of its push. */
  const fifo: [unknown, number][] = [];
  let pumping = false;

  const perform = (item: unknown, at: number) => {
    // An arguments object, as a function flm(){flmq.push(arguments)} wrapper gives it.
    if (!Array.isArray(item) && Object.prototype.toString.call(item) !== '[object Arguments]') {
      return report(`flmq.push: Expected a command such as ['tag.add', 'vip'], but received: ${show(item)}`);
    }
    // Indexes, not destructuring: a page may have replaced the array iterator.
    const command = slice.call(item) as unknown[];
    const name = command[0];
    const args = slice.call(command, 1);
    if (typeof name !== 'string') {
      return report(`flmq.push: Expected a command name as the first item, but received: ${show(name)}`);
    }
    run(name, args, at);
  };

  // All of one push is queued before any of it runs, so that what its commands
  // push in turn comes after the rest of it.
  const enqueue = (items: ArrayLike<unknown>) => {
    const at = Date.now();
    for (let i = 0; i < items.length; i++) fifo[fifo.length] = [items[i], at];
    if (pumping) return;
    pumping = true;
    for (let head = 0; head < fifo.length; head++) {
      const pushed = fifo[head];
      fifo[head] = undefined as never; // run: let it go
      try {
        perform(pushed[0], pushed[1]);
      } catch (error) {
        // run() reports its own faults: this is the item itself that could not
        // be read (a Proxy or a getter of the page's that throws).
        report(`flmq.push: could not read the command (${textOf(error)})`);
      }
    }
    fifo.length = 0;
    pumping = false;
  };

  const adopt = (queue: unknown[]): unknown[] => {
    const backlog = slice.call(queue);
    queue.length = 0;
    Object.defineProperty(queue, 'push', {
      configurable: true,
      writable: true,
      value: function push(): number {
        enqueue(arguments);
        return 0;
      },
    });
    enqueue(backlog);
    return queue;
  };

  const given = win.flmq;
  let current = adopt(Array.isArray(given) ? given : []);
  if (given !== undefined && !Array.isArray(given)) {
    report(`window.flmq: Expected an array, but received: ${show(given)}; it was replaced`);
  }
  // A page that later assigns a new array to flmq keeps a working queue: the
  // new array is taken over like the first.
  try {
    Object.defineProperty(win, 'flmq', {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (value: unknown) => {
        if (Array.isArray(value)) current = adopt(value);
        else report(`window.flmq: Expected an array, but received: ${show(value)}; the assignment is ignored`);
      },
    });
  } catch {
    win.flmq = current;
  }
  return true;
}
