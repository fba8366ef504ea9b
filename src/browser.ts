// The browser bundle (dist/flm.js): the programmatic API behind window.flmq.
import { sdk } from './api';
import { installQueue } from './queue';

try {
  installQueue(
    window as unknown as Record<string, unknown>,
    (name, args, at) => {
      // Faults are logged where they are found; the queue has no promise to hand them to.
      sdk.run(name, args, at).catch(() => undefined);
    },
    (line) => sdk.log.error(line),
  );
} catch (error) {
  sdk.log.error(`could not start: ${String(error)}`);
}
