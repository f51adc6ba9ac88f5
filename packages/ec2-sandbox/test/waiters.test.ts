import {
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceStatusOk,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AMI, startTestSandbox } from './sdk-client.js';

describe("the SDK's waiters", () => {
  it('see running, status ok, stopped and terminated', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    const id = (await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 })))
      .Instances![0]!.InstanceId!;
    const waiter = { client: ec2, maxWaitTime: 20, minDelay: 1, maxDelay: 1 };
    expect((await waitUntilInstanceRunning(waiter, { InstanceIds: [id] })).state).toBe('SUCCESS');
    expect((await waitUntilInstanceStatusOk(waiter, { InstanceIds: [id] })).state).toBe('SUCCESS');
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    expect((await waitUntilInstanceStopped(waiter, { InstanceIds: [id] })).state).toBe('SUCCESS');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect((await waitUntilInstanceTerminated(waiter, { InstanceIds: [id] })).state).toBe('SUCCESS');
    expect(sandbox.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('keep polling while an instance is pending, and succeed once it runs', async () => {
    const { sandbox, ec2 } = await startTestSandbox({ delays: { pendingMs: 1500 } });
    const id = (await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 })))
      .Instances![0]!.InstanceId!;
    const result = await waitUntilInstanceRunning(
      { client: ec2, maxWaitTime: 25, minDelay: 1, maxDelay: 1 },
      { InstanceIds: [id] },
    );
    expect(result.state).toBe('SUCCESS');
    expect(sandbox.requests.filter((r) => r.action === 'DescribeInstances').length).toBeGreaterThan(1);
  });
});
