// `flamefy-collector`: the local collector from the command line. The build
// bundles this file into dist/collector.mjs, which bin/flamefy-collector.mjs runs.
import { parseArgs } from 'node:util';
import { startCollector } from './server';

const USAGE = `Usage: flamefy-collector [options]

A local stand-in for the Flamefy API: receives the SDK's batches, serves
/flm.js, a demo page at /demo/ and a live inspector at /.

Options:
  --port N      port to listen on (default 8080; 0 picks a free one)
  --host HOST   interface to listen on (default 127.0.0.1)
  --out FILE    append every received message to FILE, one JSON line each
  --quiet       print nothing per batch
  -h, --help    show this help
`;

function fail(reason: string): never {
  console.error(`flamefy-collector: ${reason}\n\n${USAGE}`);
  process.exit(1);
}

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  out: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse() {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
}

function readOptions() {
  const values = parse();
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    fail(`--port: Expected an integer from 0 to 65535, but received: ${values.port}`);
  }
  return { port, host: values.host, out: values.out, quiet: values.quiet };
}

async function main(): Promise<void> {
  const options = readOptions();
  let collector;
  try {
    collector = await startCollector(options);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'EADDRINUSE') fail(`port ${options.port ?? 8080} is in use: pick another with --port`);
    fail(message);
  }
  const { url } = collector;
  console.log(`Flamefy collector listening on ${url}
  API        ${url}/v1/batch
  demo       ${url}/demo/
  inspector  ${url}/${options.out ? `\n  saving to  ${options.out}` : ''}`);

  let stopping = false;
  const stop = (signal: string) => {
    // A second Ctrl-C does not wait for the first to finish.
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`\n${signal}: closing`);
    collector.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main();
