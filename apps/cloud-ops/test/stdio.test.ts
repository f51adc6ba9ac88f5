// The shipped artifact end to end: the bundled bin over stdio, through the official client, on the
// embedded sandbox, on moto_server where present, and killed mid-launch then retried.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, startupFiles, type TestDatabase } from '@bounded/core/testing';
import { startEc2Sandbox, type Ec2Sandbox } from '@bounded/ec2-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../../scripts/bundle-app.mjs';
import { AMI, key } from './support/cloud-ops.js';
import { hasMoto, startMoto } from './support/moto.js';
import { startStdioServer, type StdioServer } from './support/stdio-server.js';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

let testDb: TestDatabase;
let outDir: string;
let dataRoot: string;
let main: string;
let servers = 0;

beforeAll(async () => {
  testDb = await createTestDatabase();
  // Inside the app, so the bundle resolves PGlite and finds ../migrations as dist/main.js does.
  outDir = mkdtempSync(join(APP_DIR, '.bundle-'));
  dataRoot = mkdtempSync(join(tmpdir(), 'bounded-cloud-ops-stdio-'));
  await bundle(join(APP_DIR, 'src', 'main.ts'), outDir);
  main = join(outDir, 'main.js');
}, 120_000);

afterAll(async () => {
  await testDb?.close();
  rmSync(outDir, { recursive: true, force: true });
  rmSync(dataRoot, { recursive: true, force: true });
});

/** Where a spawned server keeps its data: the test's PostgreSQL schema, or its own PGlite directory. */
function storage(dataDir = join(dataRoot, `server-${(servers += 1)}`)): Record<string, string> {
  return testDb.url ? { DATABASE_URL: testDb.url, BOUNDED_DATA_DIR: dataDir } : { BOUNDED_DATA_DIR: dataDir };
}

/** provision → status (with progress) → stop → start → terminate (confirmed), over stdio. */
async function lifecycle(server: StdioServer, environment: string): Promise<void> {
  const provisioned = await server.call('provision_environment', {
    environment,
    instance_type: 't3.micro',
    count: 2,
    image_id: AMI,
    idempotency_key: key('stdio'),
  });
  // The client handles a notification a tick after it arrives and the response at once, so a
  // notification sent just before the final answer can be dropped client-side; progress is
  // therefore counted over the whole life, where each wait sends several.
  const progress: unknown[] = [];
  const follow = (operationId: string) =>
    server.call('get_operation_status', { operation_id: operationId, wait_seconds: 20 }, (p) =>
      progress.push(p),
    );
  let status = await follow(provisioned.operation.operation_id);
  expect(status.operation.status).toBe('succeeded');
  for (const tool of ['stop_environment', 'start_environment', 'terminate_environment']) {
    const changed = await server.call(tool, { environment, idempotency_key: key('stdio') });
    status = await follow(changed.operation.operation_id);
    expect(status.operation, tool).toMatchObject({ status: 'succeeded' });
  }
  expect(progress.length).toBeGreaterThan(0);
  expect(status.instances.map((i: { state: string }) => i.state)).toEqual(['terminated', 'terminated']);
}

describe('the bundle layout', () => {
  it('keeps the AWS SDK and the sandbox out of what the server loads at start', () => {
    const files = [...startupFiles(main)];
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      expect(source, file).not.toMatch(/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?@aws-sdk\//);
      expect(source, file).not.toMatch(/packages\/ec2-sandbox\/src\//);
    }
    // ...while the bundle does carry them, in chunks loaded on the first EC2 call.
    const all = readFileSync(main, 'utf8').match(/chunks\/[\w-]+\.js/g) ?? [];
    expect(all.length).toBeGreaterThan(0);
  });
});

describe('the bundled server over stdio', () => {
  it('runs an environment through its whole life on the embedded sandbox (--sandbox), announced on stderr', async () => {
    const server = await startStdioServer(main, ['--sandbox'], storage());
    try {
      await lifecycle(server, 'stdio-sandbox');
      // One plain line for the person; pino's JSON log lines are for machines.
      const announcement = server.stderr
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('cloud-ops-mcp:') && l.includes('embedded EC2 sandbox'));
      expect(announcement).toHaveLength(1);
      expect(announcement[0]).toMatch(
        /--sandbox: EC2 calls go to the embedded EC2 sandbox .*nothing reaches AWS/,
      );
    } finally {
      await server.close();
    }
  }, 120_000);

  it('uses the embedded sandbox when no AWS credentials are configured, and seeds a demo fleet', async () => {
    const server = await startStdioServer(main, ['--seed-demo'], storage());
    try {
      expect(server.stderr.join('')).toMatch(
        /no AWS credentials found: EC2 calls go to the embedded EC2 sandbox/,
      );
      const report = await server.call('get_fleet_report', {});
      expect(report.total_instances).toBe(5);
      expect(report.untagged.count).toBe(1);
      expect(report.previous_generation).toEqual([
        { type: 't2.micro', instances: 1, suggestion: 't3.micro' },
      ]);
      expect(report.by_state.find((b: { key: string }) => b.key === 'stopped')?.instances).toBe(1);
    } finally {
      await server.close();
    }
  }, 120_000);

  it.skipIf(!hasMoto())(
    'runs the same life against moto_server (cross-check; moto ignores ClientToken)',
    async () => {
      const moto = await startMoto();
      const server = await startStdioServer(main, [], { ...storage(), EC2_ENDPOINT: moto.endpoint });
      try {
        await lifecycle(server, 'stdio-moto');
      } finally {
        await server.close();
        await moto.close();
      }
    },
    120_000,
  );
});

if (!hasMoto()) {
  console.error('cloud-ops stdio.test: moto_server is not on PATH; the moto cross-check is skipped.');
}

describe('a server killed between RunInstances and recording its result', () => {
  let sandbox: Ec2Sandbox;
  let proxy: Server;

  afterAll(async () => {
    proxy?.close();
    await sandbox?.close();
  });

  it('launches nothing new on retry and completes the operation', async () => {
    sandbox = await startEc2Sandbox({ delays: { pendingMs: 50, stoppingMs: 50, shuttingDownMs: 50 } });
    let victim: number | null = null;
    // Passes EC2 calls through; once EC2 has run a real RunInstances, kills the server before it
    // can read the answer.
    proxy = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString();
      const answer = await fetch(sandbox.endpoint, {
        method: 'POST',
        headers: { 'content-type': request.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
        body,
      });
      const text = await answer.text();
      if (body.includes('Action=RunInstances') && !body.includes('DryRun=true') && victim !== null) {
        process.kill(victim, 'SIGKILL');
        response.destroy();
        return;
      }
      response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/xml' });
      response.end(text);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    const proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    const dataDir = join(dataRoot, 'crash');
    const lease = { IDEMPOTENCY_LEASE_MS: '1000' };
    const args = {
      environment: 'crash-1',
      instance_type: 't3.micro',
      count: 2,
      image_id: AMI,
      idempotency_key: key('crash'),
    };

    const first = await startStdioServer(main, [], { ...storage(dataDir), ...lease, EC2_ENDPOINT: proxyUrl });
    victim = first.pid;
    await expect(
      first.client.callTool({ name: 'provision_environment', arguments: args }, { timeout: 60_000 }),
    ).rejects.toThrow();
    await first.close().catch(() => undefined);
    const launched = sandbox.requests.filter((r) => r.action === 'RunInstances' && !r.dryRun);
    expect(launched).toHaveLength(1);

    const second = await startStdioServer(main, [], {
      ...storage(dataDir),
      ...lease,
      EC2_ENDPOINT: sandbox.endpoint,
    });
    try {
      const retried = await second.call('provision_environment', args);
      expect(retried.replayed).toBe(false);
      const runs = sandbox.requests.filter((r) => r.action === 'RunInstances' && !r.dryRun);
      expect(runs).toHaveLength(2);
      // The same ClientToken both times: EC2 answered the retry with the first launch's reservation.
      expect(runs[1]!.params.ClientToken).toBe(runs[0]!.params.ClientToken);
      const listed = await second.call('list_instances', { environment: 'crash-1' });
      expect(listed.instances).toHaveLength(2);
      expect(listed.instances.map((i: { instance_id: string }) => i.instance_id).sort()).toEqual(
        [...retried.operation.instance_ids].sort(),
      );
      const status = await second.call('get_operation_status', {
        operation_id: retried.operation.operation_id,
        wait_seconds: 20,
      });
      expect(status.operation.status).toBe('succeeded');
    } finally {
      await second.close();
    }
  }, 120_000);
});
