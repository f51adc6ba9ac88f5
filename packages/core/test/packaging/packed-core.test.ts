// @bounded/core as another team gets it: packed to a tarball, installed with plain npm into a project
// outside the workspace, a small server type-checked with `strict` against the shipped .d.ts, built,
// run over stdio with a real client, and its own test run with the testing kit.
import { cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectOverStdio, PNPM, ROOT_DEV_DEPENDENCIES, scratchDir, sh } from './scratch-project.js';

const CORE_DIR = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('fixtures/packed-app/', import.meta.url));
const core = JSON.parse(readFileSync(join(CORE_DIR, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

const scratch = scratchDir('bounded-packed-core-');
const project = join(scratch.dir, 'app');
let tarball: string;

beforeAll(async () => {
  // pack runs the package's prepack, a clean build: a stale dist/ cannot reach the tarball.
  const output = await sh('npx', [...PNPM, 'pack', '--json', '--pack-destination', scratch.dir], {
    cwd: CORE_DIR,
  });
  // The build's own output comes first; the pack report is the JSON object after it.
  const packed = JSON.parse(output.slice(output.search(/^\{/m))) as { filename: string };
  tarball = packed.filename;
  cpSync(FIXTURE, project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'packed-app',
      private: true,
      type: 'module',
      dependencies: { '@bounded/core': `file:${tarball}`, zod: core.dependencies.zod },
      devDependencies: {
        // Only the v2 client: the v1 SDK is an optional peer that this project leaves out.
        '@modelcontextprotocol/client': core.peerDependencies['@modelcontextprotocol/client'],
        '@types/node': ROOT_DEV_DEPENDENCIES['@types/node'],
        typescript: ROOT_DEV_DEPENDENCIES.typescript,
        vitest: ROOT_DEV_DEPENDENCIES.vitest,
      },
    }),
  );
  // npm's cache holds registry tarballs by content hash, so it cannot stand in for a changed core.
  await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project });
}, 600_000);

afterAll(() => scratch.remove());

describe('the packed @bounded/core', () => {
  it('ships compiled code, declarations, maps and docs, and no tests', async () => {
    const listing = await sh('tar', ['-tzf', tarball], { cwd: scratch.dir });
    const files = listing.split('\n').filter(Boolean);
    for (const file of [
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/dist/index.js.map',
      'package/dist/index.d.ts.map',
      'package/dist/testing/index.js',
      'package/dist/testing/index.d.ts',
      'package/README.md',
      'package/CHANGELOG.md',
      'package/LICENSE',
    ]) {
      expect(files).toContain(file);
    }
    expect(files.filter((file) => /\/test\/|\.test\.ts$/.test(file))).toEqual([]);
    const manifest = readFileSync(join(project, 'node_modules/@bounded/core/package.json'), 'utf8');
    // The workspace's source condition stays in the workspace.
    expect(manifest).not.toContain('@bounded/source');
    expect(JSON.parse(manifest)).toMatchObject({ version: core.version, license: 'MIT' });
    console.log(
      `packed @bounded/core ${core.version}: ${statSync(tarball).size} bytes, ${files.length} files`,
    );
  });

  it('installs for production without the client SDKs, which only tests need', async () => {
    // What a server's image installs: its dependencies only, none of the testing kit's peers.
    const production = join(scratch.dir, 'production');
    mkdirSync(production);
    writeFileSync(
      join(production, 'package.json'),
      JSON.stringify({
        name: 'production',
        private: true,
        dependencies: { '@bounded/core': `file:${tarball}` },
      }),
    );
    await sh('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: production,
    });
    const installed = await sh('npm', ['ls', '--all', '--parseable'], { cwd: production });
    const packages = new Set(installed.split('\n').filter((line) => line.includes('node_modules')));
    expect([...packages].filter((path) => path.includes('@modelcontextprotocol/')).sort()).toEqual([
      join(production, 'node_modules/@modelcontextprotocol/core'),
      join(production, 'node_modules/@modelcontextprotocol/node'),
      join(production, 'node_modules/@modelcontextprotocol/server'),
    ]);
    console.log(`production install of @bounded/core: ${packages.size} packages, @bounded/core included`);
  }, 300_000);

  it('type-checks a server against the shipped declarations with strict on', async () => {
    await sh('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: project });
  }, 300_000);

  it('serves the built server over stdio to a real client', async () => {
    await sh('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: project });
    const client = await connectOverStdio(join(project, 'dist/main.js'), join(scratch.dir, 'data'));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(['add_note', 'count_notes']);
      const saved = await client.callTool(
        { name: 'add_note', arguments: { title: 'over stdio', idempotency_key: 'packed-stdio-1' } },
        { timeout: 120_000 },
      );
      expect(saved.isError, JSON.stringify(saved)).toBeFalsy();
      expect(saved.structuredContent).toMatchObject({ id: '1', replayed: false });
    } finally {
      await client.close();
    }
  }, 300_000);

  it("passes the project's own test, written with the testing kit", async () => {
    const output = await sh('npx', ['vitest', 'run'], { cwd: project, env: { NO_COLOR: '1' } });
    expect(output).toMatch(/Tests\s+2 passed \(2\)/);
  }, 300_000);
});
