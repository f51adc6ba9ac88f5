import { DescribeInstancesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { spawnServerProcess, type ServerProcess } from '@bounded/core/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEc2Sandbox } from '../src/index.js';
import { AMI, sdkClient } from './sdk-client.js';

const BIN = new URL('../src/bin.ts', import.meta.url).pathname;
const running: ServerProcess[] = [];
afterEach(() => {
  for (const server of running.splice(0)) server.child.kill('SIGKILL');
});

function spawnBin(args: string[]): ServerProcess {
  const server = spawnServerProcess(process.execPath, [
    '--conditions=@bounded/source',
    '--import',
    'tsx',
    BIN,
    ...args,
  ]);
  running.push(server);
  return server;
}

async function endpointOf(server: ServerProcess): Promise<string> {
  return (await server.waitForStderr(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 20_000))[1]!;
}

describe('ec2-sandbox bin', () => {
  it('serves the SDK on the port it prints, keeps state in --state across restarts, and exits 0 on SIGTERM', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'ec2-sandbox-')), 'state.json');
    const first = spawnBin(['--port', '0', '--state', stateFile, '--pending-ms', '0']);
    const ec2 = sdkClient({ endpoint: await endpointOf(first) });
    const launched = await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 }));
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stdout).toEqual([]);

    const second = spawnBin(['--port', '0', '--state', stateFile]);
    const again = sdkClient({ endpoint: await endpointOf(second) });
    const out = await again.send(new DescribeInstancesCommand({}));
    expect(out.Reservations?.[0]?.Instances?.[0]?.InstanceId).toBe(launched.Instances![0]!.InstanceId);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('says in one line why it cannot start, and exits 1', async () => {
    const taken = await startEc2Sandbox();
    try {
      const server = spawnBin(['--port', new URL(taken.endpoint).port]);
      expect(await server.exited).toBe(1);
      expect(server.stderr).toEqual([expect.stringMatching(/^ec2-sandbox: cannot start: .*EADDRINUSE/)]);
    } finally {
      await taken.close();
    }
  });

  it('refuses a bad flag with usage and exit code 2', async () => {
    const server = spawnBin(['--port', 'eighty']);
    expect(await server.exited).toBe(2);
    expect(server.stderr.join('\n')).toMatch(/--port must be a whole number[\s\S]*usage: ec2-sandbox/);
  });
});
