// Takes over window.flmq: drains what the stub holds, in push order, then
// replaces push on the SAME array, so references taken earlier keep working.
// Commands pushed while draining (from a ready callback, say) run after those
// already queued, never in the middle.
import { show } from './schemas';

export type Runner = (name: string, args: unknown[], at: number) => void;

// Set on window by the first copy of the bundle; a second copy does nothing.
const INSTALLED = '__flamefyQueue';

const isArguments = (value: unknown) => Object.prototype.toString.call(value) === '[object Arguments]';

export function installQueue(win: Record<string, unknown>, run: Runner, report: (line: string) => void): boolean {
  if (win[INSTALLED]) return false;
  Object.defineProperty(win, INSTALLED, { value: true });

  const fifo: { item: unknown; at: number }[] = [];
  let head = 0;
  let pumping = false;

  const perform = (item: unknown, at: number) => {
    if (!Array.isArray(item) && !isArguments(item)) {
      return report(`flmq.push: Expected a command such as ['tag.add', 'vip'], but received: ${show(item)}`);
    }
    const command = Array.prototype.slice.call(item) as unknown[];
    if (typeof command[0] !== 'string') {
      return report(`flmq.push: Expected a command name as the first item, but received: ${show(command[0])}`);
    }
    run(command[0], command.slice(1), at);
  };

  const pump = () => {
    pumping = true;
    while (head < fifo.length) {
      const { item, at } = fifo[head];
      fifo[head++] = undefined as never;
      try {
        perform(item, at);
      } catch {
        // run() reports its own faults; nothing may escape into the page.
      }
    }
    fifo.length = 0;
    head = 0;
    pumping = false;
  };

  // All of one push is queued before any of it runs, so that what its commands
  // push in turn comes after the rest of it.
  const enqueue = (items: ArrayLike<unknown>) => {
    const at = Date.now();
    for (let i = 0; i < items.length; i++) fifo[fifo.length] = { item: items[i], at };
    if (!pumping) pump();
  };

  const adopt = (queue: unknown[]): unknown[] => {
    const backlog = Array.prototype.slice.call(queue) as unknown[];
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

  let current = adopt(Array.isArray(win.flmq) ? (win.flmq as unknown[]) : []);
  if (win.flmq !== undefined && !Array.isArray(win.flmq)) {
    report(`window.flmq: Expected an array, but received: ${show(win.flmq)}; it was replaced`);
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
