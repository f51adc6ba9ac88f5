import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AMI, rejection, startTestSandbox } from './sdk-client.js';

const request = (clientToken: string, instanceType: _InstanceType = 't3.micro') =>
  new RunInstancesCommand({
    ImageId: AMI,
    InstanceType: instanceType,
    MinCount: 1,
    MaxCount: 1,
    ClientToken: clientToken,
  });

describe('RunInstances ClientToken', () => {
  it('the same token and parameters return the same reservation and launch nothing more', async () => {
    const { ec2 } = await startTestSandbox();
    const first = await ec2.send(request('token-1'));
    const again = await ec2.send(request('token-1'));
    expect(again.ReservationId).toBe(first.ReservationId);
    expect(again.Instances?.map((i) => i.InstanceId)).toEqual(first.Instances?.map((i) => i.InstanceId));
    // The replay reports the instance as it is now, not as it was at launch.
    expect(again.Instances?.[0]?.State?.Name).toBe('running');
    const all = await ec2.send(new DescribeInstancesCommand({}));
    expect(all.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(1);
  });

  it('the same token with different parameters is IdempotentParameterMismatch and launches nothing', async () => {
    const { ec2 } = await startTestSandbox();
    await ec2.send(request('token-2'));
    const error = await rejection(ec2.send(request('token-2', 't3.large')));
    expect(error.name).toBe('IdempotentParameterMismatch');
    expect(error.$metadata.httpStatusCode).toBe(400);
    const all = await ec2.send(new DescribeInstancesCommand({}));
    expect(all.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(1);
  });

  it('a token whose instance is terminated is IdempotentInstanceTerminated', async () => {
    const { ec2 } = await startTestSandbox();
    const first = await ec2.send(request('token-3'));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [first.Instances![0]!.InstanceId!] }));
    const error = await rejection(ec2.send(request('token-3')));
    expect(error.name).toBe('IdempotentInstanceTerminated');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('concurrent launches with one token make one reservation', async () => {
    const { ec2 } = await startTestSandbox();
    const results = await Promise.all(Array.from({ length: 5 }, () => ec2.send(request('token-c'))));
    expect(new Set(results.map((r) => r.ReservationId)).size).toBe(1);
    const all = await ec2.send(new DescribeInstancesCommand({}));
    expect(all.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(1);
  });

  it('different tokens launch separately', async () => {
    const { ec2 } = await startTestSandbox();
    const a = await ec2.send(request('token-a'));
    const b = await ec2.send(request('token-b'));
    expect(a.ReservationId).not.toBe(b.ReservationId);
  });

  it('rejects a token longer than 64 characters', async () => {
    const { ec2 } = await startTestSandbox();
    const error = await rejection(ec2.send(request('x'.repeat(65))));
    expect(error.name).toBe('InvalidParameterValue');
  });
});
