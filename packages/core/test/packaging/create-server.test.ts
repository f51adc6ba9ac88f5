// `pnpm create-server <name>` in a copy of the workspace under the OS temporary directory (so the
// real tree never holds a generated app, whatever happens): the new app installs, type-checks,
// passes lint and its own test, builds, and serves over stdio at once.
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../../../scripts/create-server.mjs';
import { connectOverStdio, PNPM, REPO_ROOT, scratchDir, sh } from './scratch-project.js';

const ROOT = fileURLToPath(REPO_ROOT);
const APP = 'desk-check';
const scratch = scratchDir('bounded-create-server-');
const workspace = join(scratch.dir, 'repo');

/** The workspace without its other apps, installs or builds: what a new app needs around it. */
function copyWorkspace(): void {
  const files = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'tsconfig.base.json', 'turbo.json'];
  for (const file of [
    ...files,
    'vitest.config.ts',
    'eslint.config.js',
    '.prettierrc.json',
    '.prettierignore',
  ]) {
    cpSync(join(ROOT, file), join(workspace, file));
  }
  const skip = /\/(node_modules|dist|\.turbo|bench\/\.out)(\/|$)/;
  for (const dir of ['scripts', 'packages/core']) {
    cpSync(join(ROOT, dir), join(workspace, dir), { recursive: true, filter: (path) => !skip.test(path) });
  }
}

beforeAll(async () => {
  copyWorkspace();
  await sh(process.execPath, ['scripts/create-server.mjs', APP], { cwd: workspace });
  // Not frozen: the copy's lockfile gains the new app, as a developer's does on their first install.
  await sh('npx', [...PNPM, 'install', '--no-frozen-lockfile', '--prefer-offline'], { cwd: workspace });
}, 600_000);

afterAll(() => scratch.remove());

describe('pnpm create-server', () => {
  it('writes the house shape', () => {
    const app = join(workspace, 'apps', APP);
    for (const file of [
      'package.json',
      'tsconfig.json',
      'Dockerfile',
      'README.md',
      'src/main.ts',
      'src/server.ts',
      'src/tools/add-note.ts',
      'src/store/notes.ts',
      'migrations/0001_notes.sql',
      'test/protocol.test.ts',
      'test/__snapshots__/tools-list.json',
    ]) {
      expect(existsSync(join(app, file)), file).toBe(true);
    }
  });

  it('refuses a bad or taken name and writes nothing', () => {
    const before = readdirSync(join(workspace, 'apps'));
    expect(() => createServer(workspace, 'Order Desk')).toThrow(
      /lower-case letters, digits and single dashes/,
    );
    expect(() => createServer(workspace, APP)).toThrow(`apps/${APP} already exists`);
    expect(readdirSync(join(workspace, 'apps'))).toEqual(before);
  });

  it('type-checks with strict on and passes lint', async () => {
    await sh('npx', ['tsc', '-p', `apps/${APP}/tsconfig.json`, '--noEmit'], { cwd: workspace });
    await sh('npx', ['eslint', `apps/${APP}`], { cwd: workspace });
    await sh('npx', ['prettier', '--check', `apps/${APP}`], { cwd: workspace });
  }, 300_000);

  it('passes its own test', async () => {
    // After an intended change to what core lists for a tool, BOUNDED_UPDATE_TEMPLATE=1 re-records
    // the template's snapshot from the generated app and writes it back to scripts/create-server.
    const update = process.env.BOUNDED_UPDATE_TEMPLATE === '1';
    const output = await sh('npx', ['vitest', 'run', '--project', APP, ...(update ? ['-u'] : [])], {
      cwd: workspace,
      env: { NO_COLOR: '1' },
    });
    expect(output).toMatch(/Tests\s+7 passed \(7\)/);
    if (update) {
      cpSync(
        join(workspace, 'apps', APP, 'test/__snapshots__/tools-list.json'),
        join(ROOT, 'scripts/create-server/template/test/__snapshots__/tools-list.json'),
      );
    }
  }, 300_000);

  it('builds and serves over stdio', async () => {
    await sh('npx', [...PNPM, '--filter', `@bounded/${APP}`, 'build'], { cwd: workspace });
    const client = await connectOverStdio(
      join(workspace, 'apps', APP, 'dist/main.js'),
      join(scratch.dir, 'data'),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['add_note']);
      const saved = await client.callTool(
        {
          name: 'add_note',
          arguments: { title: 'First', body: 'Hello', idempotency_key: 'create-server-1' },
        },
        { timeout: 120_000 },
      );
      expect(saved.isError, JSON.stringify(saved)).toBeFalsy();
      expect(saved.structuredContent).toMatchObject({
        note: { note_id: '1', title: 'First' },
        replayed: false,
      });
    } finally {
      await client.close();
    }
  }, 300_000);
});
