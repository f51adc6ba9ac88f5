// Commands and scratch directories for the packaging tests: they run what a team outside the
// repository would run, in the OS temporary directory, and leave nothing behind.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const run = promisify(execFile);

/** The repository root, for versions pinned there and for the scripts under test. */
export const REPO_ROOT = new URL('../../../../', import.meta.url);

const rootManifest = JSON.parse(readFileSync(new URL('package.json', REPO_ROOT), 'utf8')) as {
  packageManager: string;
  devDependencies: Record<string, string>;
};

/** The versions of the repository's own tools (typescript, vitest, @types/node). */
export const ROOT_DEV_DEPENDENCIES = rootManifest.devDependencies;

/** The pnpm the repository pins, run through npx as CI does (corepack fails behind some mirrors). */
export const PNPM = ['-y', rootManifest.packageManager];

/** Runs a command, failing with its output when it exits non-zero; returns stdout. */
export async function sh(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${options.cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`,
      {
        cause: error,
      },
    );
  }
}

/** A fresh directory under the OS temporary directory, and a way to remove it. */
export function scratchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts a built server (`node <entry>`, PGlite in `dataDir`) and connects a real client over stdio. */
export async function connectOverStdio(entry: string, dataDir: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [entry],
    env: { PATH: process.env.PATH ?? '', BOUNDED_DATA_DIR: dataDir },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'bounded-packaging-test', version: '0' });
  await client.connect(transport);
  return client;
}
