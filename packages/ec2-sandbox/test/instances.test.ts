import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AMI, rejection, startTestSandbox } from './sdk-client.js';

async function launch(ec2: EC2Client, count = 1) {
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: AMI,
      InstanceType: 't3.micro',
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            { Key: 'env', Value: 'dev' },
            { Key: 'note', Value: 'a & b <c>' },
          ],
        },
      ],
    }),
  );
  return out;
}

async function stateOf(ec2: EC2Client, instanceId: string) {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
}

describe('instances through the SDK', () => {
  it('launches a pending instance with EC2-shaped ids, tags and times', async () => {
    const { ec2 } = await startTestSandbox();
    const out = await launch(ec2);
    expect(out.ReservationId).toMatch(/^r-[0-9a-f]{17}$/);
    expect(out.OwnerId).toMatch(/^\d{12}$/);
    expect(out.Instances).toHaveLength(1);
    const instance = out.Instances![0]!;
    expect(instance.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(instance.State).toEqual({ Code: 0, Name: 'pending' });
    expect(instance.ImageId).toBe(AMI);
    expect(instance.InstanceType).toBe('t3.micro');
    expect(instance.LaunchTime).toBeInstanceOf(Date);
    expect(Math.abs(instance.LaunchTime!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(instance.Placement?.AvailabilityZone).toBe('us-east-1a');
    expect(instance.Tags).toEqual([
      { Key: 'env', Value: 'dev' },
      { Key: 'note', Value: 'a & b <c>' },
    ]);
    // The SDK fills in a ClientToken of its own when the caller gives none; the sandbox keeps it.
    expect(instance.ClientToken).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('describes instances in launch order, grouped by reservation', async () => {
    const { ec2 } = await startTestSandbox();
    const first = await launch(ec2, 2);
    const second = await launch(ec2);
    const out = await ec2.send(new DescribeInstancesCommand({}));
    expect(out.Reservations?.map((r) => r.ReservationId)).toEqual([
      first.ReservationId,
      second.ReservationId,
    ]);
    expect(out.Reservations?.[0]?.Instances?.map((i) => i.InstanceId)).toEqual(
      first.Instances?.map((i) => i.InstanceId),
    );
    expect(out.Reservations?.[0]?.Instances?.map((i) => i.AmiLaunchIndex)).toEqual([0, 1]);
    expect(out.NextToken).toBeUndefined();
  });

  it('walks pending → running → stopping → stopped → pending → running → shutting-down → terminated', async () => {
    const { ec2 } = await startTestSandbox();
    const id = (await launch(ec2)).Instances![0]!.InstanceId!;
    expect(await stateOf(ec2, id)).toBe('running');

    const stop = await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    expect(stop.StoppingInstances).toEqual([
      {
        InstanceId: id,
        CurrentState: { Code: 64, Name: 'stopping' },
        PreviousState: { Code: 16, Name: 'running' },
      },
    ]);
    expect(await stateOf(ec2, id)).toBe('stopped');

    const start = await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    expect(start.StartingInstances?.[0]?.CurrentState?.Name).toBe('pending');
    expect(start.StartingInstances?.[0]?.PreviousState?.Name).toBe('stopped');
    expect(await stateOf(ec2, id)).toBe('running');

    const terminate = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(terminate.TerminatingInstances?.[0]?.CurrentState).toEqual({ Code: 32, Name: 'shutting-down' });
    expect(await stateOf(ec2, id)).toBe('terminated');
    const terminated = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    const instance = terminated.Reservations![0]!.Instances![0]!;
    expect(instance.StateReason?.Code).toBe('Client.UserInitiatedShutdown');
    expect(instance.StateTransitionReason).toMatch(/^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\)$/);
  });

  it('holds each transitional state for its configured delay', async () => {
    const { ec2 } = await startTestSandbox({
      delays: { pendingMs: 60_000, stoppingMs: 0, shuttingDownMs: 60_000 },
    });
    const id = (await launch(ec2)).Instances![0]!.InstanceId!;
    expect(await stateOf(ec2, id)).toBe('pending');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(await stateOf(ec2, id)).toBe('shutting-down');
  });

  it('settles once the delay has passed', async () => {
    const { ec2 } = await startTestSandbox({ delays: { pendingMs: 50 } });
    const id = (await launch(ec2)).Instances![0]!.InstanceId!;
    let state = await stateOf(ec2, id);
    expect(state).toBe('pending');
    while (state === 'pending') {
      await new Promise((resolve) => setTimeout(resolve, 20));
      state = await stateOf(ec2, id);
    }
    expect(state).toBe('running');
  });

  it('terminating a terminated instance answers terminated → terminated; stopping it is refused', async () => {
    const { ec2 } = await startTestSandbox();
    const id = (await launch(ec2)).Instances![0]!.InstanceId!;
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    const again = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(again.TerminatingInstances?.[0]?.CurrentState?.Name).toBe('terminated');
    expect(again.TerminatingInstances?.[0]?.PreviousState?.Name).toBe('terminated');

    const stop = await rejection(ec2.send(new StopInstancesCommand({ InstanceIds: [id] })));
    expect(stop.name).toBe('IncorrectInstanceState');
    expect(stop.$metadata.httpStatusCode).toBe(400);
    const start = await rejection(ec2.send(new StartInstancesCommand({ InstanceIds: [id] })));
    expect(start.name).toBe('IncorrectInstanceState');
  });

  it('refuses a whole state change when one instance cannot make it, and changes none', async () => {
    const { ec2 } = await startTestSandbox();
    const [a, b] = (await launch(ec2, 2)).Instances!.map((i) => i.InstanceId!);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [b!] }));
    const error = await rejection(ec2.send(new StopInstancesCommand({ InstanceIds: [a!, b!] })));
    expect(error.name).toBe('IncorrectInstanceState');
    expect(error.message).toContain(b);
    expect(await stateOf(ec2, a!)).toBe('running');
  });

  it('stopping a stopped instance and starting a running one change nothing', async () => {
    const { ec2 } = await startTestSandbox();
    const id = (await launch(ec2)).Instances![0]!.InstanceId!;
    const start = await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    expect(start.StartingInstances?.[0]?.CurrentState?.Name).toBe('running');
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    const stop = await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    expect(stop.StoppingInstances?.[0]?.CurrentState?.Name).toBe('stopped');
    expect(stop.StoppingInstances?.[0]?.PreviousState?.Name).toBe('stopped');
  });
});
