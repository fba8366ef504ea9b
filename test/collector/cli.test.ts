// @vitest-environment node
// The command as users run it: bin/flamefy-collector.mjs starting a bundled
// dist/collector.mjs, here built into a temporary directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from './helpers';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'flm-cli-'));
const bin = join(dir, 'bin', 'flamefy-collector.mjs');

beforeAll(async () => {
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(root, 'bin', 'flamefy-collector.mjs'), bin);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

/** Resolves with the collector's URL once the command has printed it. */
async function listening(child: ChildProcess): Promise<string> {
  let stdout = '';
  for await (const chunk of child.stdout!) {
    stdout += chunk;
    const found = /listening on (http:\/\/\S+)/.exec(stdout);
    if (found) return found[1];
  }
  throw new Error(`the collector did not start: ${stdout}`);
}

describe('flamefy-collector', () => {
  it('says to build first when dist/collector.mjs is missing', async () => {
    const { code, stderr } = await run([]);
    expect(code).toBe(1);
    expect(stderr).toContain('run `npm run build` first');
  });

  describe('once built', () => {
    beforeAll(async () => {
      await build({
        entryPoints: [join(root, 'collector', 'cli.ts')],
        outfile: join(dir, 'dist', 'collector.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'silent',
      });
    });

    it('prints its usage with --help', async () => {
      const { code, stdout } = await run(['--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: flamefy-collector/);
    });

    it('refuses a port that is not a number', async () => {
      const { code, stderr } = await run(['--port', 'eighty']);
      expect(code).toBe(1);
      expect(stderr).toContain('--port: Expected an integer from 0 to 65535, but received: eighty');
    });

    it('refuses an unknown option', async () => {
      const { code, stderr } = await run(['--prot', '80']);
      expect(code).toBe(1);
      expect(stderr).toContain("Unknown option '--prot'");
    });

    it('serves, saves each message to --out, and exits cleanly on SIGTERM', async () => {
      const out = join(dir, 'out', 'messages.jsonl');
      const child = spawn(process.execPath, [bin, '--port', '0', '--quiet', '--out', out]);
      const url = await listening(child);
      const sent = register();
      const response = await fetch(`${url}/v1/batch`, { method: 'POST', body: JSON.stringify({ messages: [sent] }) });
      expect(response.status).toBe(200);

      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      const lines = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      expect(lines).toEqual([{ received_at: expect.any(String), status: 'accepted', message: sent }]);
    });
  });
});
