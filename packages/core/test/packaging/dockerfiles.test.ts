// Each app's Dockerfile, stage by stage, without a Docker engine (see dockerfile-run.ts): the build
// stage installs from the files it copies and bundles the app; the final stage, started with its
// ENTRYPOINT, CMD and ENV, serves MCP over HTTP to a real client (a read tool that opens the
// database) and stops cleanly on SIGTERM.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { spawnServerProcess } from '@bounded/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { inStage, runDockerfile } from './dockerfile-run.js';
import { REPO_ROOT, scratchDir } from './scratch-project.js';

const ROOT = fileURLToPath(REPO_ROOT);

const APPS: { app: string; tool: string }[] = [
  { app: 'billing', tool: 'find_invoices' },
  { app: 'cloud-ops', tool: 'list_instances' },
  { app: 'knowledge-base', tool: 'list_collections' },
];

describe.each(APPS)('apps/$app/Dockerfile', ({ app, tool }) => {
  const scratch = scratchDir(`bounded-docker-${app}-`);
  afterAll(() => scratch.remove());

  it('builds, then serves over HTTP from the final stage and exits 0 on SIGTERM', async () => {
    const image = await runDockerfile(join(ROOT, 'apps', app, 'Dockerfile'), ROOT, scratch.dir);
    // The image's absolute paths (its data directory, mount points) live inside the stage directory;
    // the server listens on loopback and a free port here, not on the image's 0.0.0.0:8080.
    const env = Object.fromEntries(
      Object.entries(image.env).map(([key, value]) => [
        key,
        value.startsWith('/') ? inStage(image, value) : value,
      ]),
    );
    const [command, ...args] = [...image.entrypoint, ...image.cmd];
    const server = spawnServerProcess(command === 'node' ? process.execPath : command!, args, {
      cwd: inStage(image, '.'),
      env: { ...env, HOST: '127.0.0.1', PORT: '0', DATABASE_URL: undefined },
    });
    try {
      const [, url] = await server.waitForStderr(/serving MCP on (http\S+)/, 60_000);
      const client = new Client({ name: 'bounded-dockerfile-test', version: '0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url!)));
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain(tool);
      // A read that opens the database (migrations from the image) and, for cloud-ops, the sandbox.
      const result = await client.callTool({ name: tool, arguments: {} }, { timeout: 120_000 });
      expect(result.isError, JSON.stringify(result)).toBeFalsy();
      const health = await fetch(new URL('/readyz', url));
      expect(health.status).toBe(200);
      await client.close();
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  }, 600_000);
});
