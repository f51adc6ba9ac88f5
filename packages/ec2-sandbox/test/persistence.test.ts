import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEc2Sandbox } from '../src/index.js';
import { AMI, rejection, sdkClient, startTestSandbox } from './sdk-client.js';

/** One launch, repeated across restarts with its client token. */
const persistedLaunch = () =>
  new RunInstancesCommand({
    ImageId: AMI,
    InstanceType: 't3.small',
    MinCount: 2,
    MaxCount: 2,
    ClientToken: 'persisted-token',
    TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'env', Value: 'dev' }] }],
  });

const stateFileIn = () => join(mkdtempSync(join(tmpdir(), 'ec2-sandbox-')), 'nested', 'state.json');

describe('stateFile', () => {
  it('keeps instances, their states and tags, and client tokens across a restart', async () => {
    const stateFile = stateFileIn();
    const first = await startTestSandbox({ stateFile });
    const launched = await first.ec2.send(persistedLaunch());
    const [a, b] = launched.Instances!.map((i) => i.InstanceId!);
    await first.ec2.send(new StopInstancesCommand({ InstanceIds: [a!] }));
    const before = await first.ec2.send(new DescribeInstancesCommand({}));
    await first.sandbox.close();

    const second = await startTestSandbox({ stateFile });
    const after = await second.ec2.send(new DescribeInstancesCommand({}));
    expect(after.Reservations).toEqual(before.Reservations);
    expect(after.Reservations![0]!.Instances!.map((i) => [i.InstanceId, i.State?.Name])).toEqual([
      [a, 'stopped'],
      [b, 'running'],
    ]);
    // The client token still names the same launch.
    const replay = await second.ec2.send(persistedLaunch());
    expect(replay.ReservationId).toBe(launched.ReservationId);
    await second.ec2.send(new TerminateInstancesCommand({ InstanceIds: [b!] }));
    await second.sandbox.close();

    const third = await startTestSandbox({ stateFile });
    const terminated = await rejection(third.ec2.send(persistedLaunch()));
    expect(terminated.name).toBe('IdempotentInstanceTerminated');
  });

  it('a transition under way when the sandbox stops completes on its clock after the restart', async () => {
    const stateFile = stateFileIn();
    const first = await startTestSandbox({ stateFile, delays: { pendingMs: 60_000 } });
    const id = (await first.ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 })))
      .Instances![0]!.InstanceId!;
    await first.sandbox.close();
    // Restarted with a shorter delay: the instance entered pending long enough ago, so it is running.
    const second = await startTestSandbox({ stateFile, delays: { pendingMs: 0 } });
    const out = await second.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(out.Reservations![0]!.Instances![0]!.State?.Name).toBe('running');
  });

  it('is written before the answer goes out, whole', async () => {
    const stateFile = stateFileIn();
    const { ec2 } = await startTestSandbox({ stateFile });
    const out = await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 }));
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { instances: { instanceId: string }[] };
    expect(saved.instances.map((i) => i.instanceId)).toEqual([out.Instances![0]!.InstanceId]);
  });

  it('refuses to start on a file that is not a sandbox state, saying what to do', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'ec2-sandbox-')), 'state.json');
    writeFileSync(stateFile, '{"instances": 3');
    await expect(startEc2Sandbox({ stateFile })).rejects.toThrow(/not valid JSON; move it away/);
    writeFileSync(stateFile, '{"version": 9}');
    await expect(startEc2Sandbox({ stateFile })).rejects.toThrow(/version 1 sandbox state/);
  });

  it('without a stateFile, a restart starts empty', async () => {
    const first = await startTestSandbox();
    await first.ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 }));
    await first.sandbox.close();
    const second = await startTestSandbox();
    expect((await sdkClient(second.sandbox).send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
  });
});
