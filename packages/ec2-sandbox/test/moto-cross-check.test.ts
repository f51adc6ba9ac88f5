// moto (a Python AWS emulator, when installed) is an independent reading of EC2's wire format: the
// same SDK calls against both must parse into the same fields and fail with the same codes.
import {
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { spawnServerProcess, type ServerProcess } from '@bounded/core/testing';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection, sdkClient, startTestSandbox } from './sdk-client.js';

const hasMoto = spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
// moto validates nothing about the AMI beyond its shape but knows this id from its own catalogue.
const MOTO_AMI = 'ami-12c6146b';
/** Fields an instance must carry, parsed by the SDK, from either server. */
const INSTANCE_FIELDS = [
  'InstanceId',
  'ImageId',
  'State',
  'InstanceType',
  'LaunchTime',
  'Placement',
  'PrivateIpAddress',
  'PrivateDnsName',
  'Tags',
  'ClientToken',
  'AmiLaunchIndex',
  'Architecture',
  'RootDeviceType',
  'VirtualizationType',
  'Monitoring',
  'StateTransitionReason',
];

describe.skipIf(!hasMoto)('cross-check against moto_server', () => {
  let moto: ServerProcess;
  let motoEc2: EC2Client;
  beforeAll(async () => {
    moto = spawnServerProcess('moto_server', ['-H', '127.0.0.1', '-p', '0']);
    const endpoint = (await moto.waitForStderr(/Running on (http:\/\/127\.0\.0\.1:\d+)/, 30_000))[1]!;
    motoEc2 = sdkClient({ endpoint });
  });
  afterAll(() => {
    moto?.child.kill('SIGTERM');
  });

  /** The same sequence of calls, returning what the SDK parsed at each step. */
  async function scenario(ec2: EC2Client) {
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: MOTO_AMI,
        InstanceType: 't3.micro',
        MinCount: 2,
        MaxCount: 2,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'env', Value: 'a & <b>' }] }],
      }),
    );
    const [a, b] = run.Instances!.map((i) => i.InstanceId!);
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [a!, b!] }));
    const status = await ec2.send(
      new DescribeInstanceStatusCommand({ InstanceIds: [a!], IncludeAllInstances: true }),
    );
    const stop = await ec2.send(new StopInstancesCommand({ InstanceIds: [a!] }));
    const terminate = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [b!] }));
    const notFound = await rejection(
      ec2.send(new TerminateInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })),
    );
    const dryRun = await rejection(
      ec2.send(new RunInstancesCommand({ ImageId: MOTO_AMI, MinCount: 1, MaxCount: 1, DryRun: true })),
    );
    return { run, described, status, stop, terminate, notFound, dryRun };
  }

  it('both parse into the same shapes and fail with the same codes and statuses', async () => {
    const { ec2 } = await startTestSandbox();
    const ours = await scenario(ec2);
    const theirs = await scenario(motoEc2);

    for (const result of [ours, theirs]) {
      expect(result.run.ReservationId).toMatch(/^r-/);
      expect(result.run.Instances).toHaveLength(2);
      for (const instance of [...result.run.Instances!, ...result.described.Reservations![0]!.Instances!]) {
        expect(Object.keys(instance)).toEqual(expect.arrayContaining(INSTANCE_FIELDS));
        expect(instance.Tags).toEqual([{ Key: 'env', Value: 'a & <b>' }]);
        expect(instance.LaunchTime).toBeInstanceOf(Date);
      }
      expect(result.run.Instances![0]!.State).toEqual({ Code: 0, Name: 'pending' });
      expect(Object.keys(result.status.InstanceStatuses![0]!)).toEqual(
        expect.arrayContaining([
          'InstanceId',
          'AvailabilityZone',
          'InstanceState',
          'InstanceStatus',
          'SystemStatus',
        ]),
      );
      expect(result.stop.StoppingInstances![0]!.CurrentState).toEqual({ Code: 64, Name: 'stopping' });
      expect(result.terminate.TerminatingInstances![0]!.CurrentState).toEqual({
        Code: 32,
        Name: 'shutting-down',
      });
      expect(result.terminate.TerminatingInstances![0]!.PreviousState?.Name).toBe('running');
    }
    expect([ours.notFound.name, ours.notFound.$metadata.httpStatusCode]).toEqual([
      theirs.notFound.name,
      theirs.notFound.$metadata.httpStatusCode,
    ]);
    expect(ours.notFound.message).toBe(theirs.notFound.message);
    expect([ours.dryRun.name, ours.dryRun.$metadata.httpStatusCode]).toEqual([
      theirs.dryRun.name,
      theirs.dryRun.$metadata.httpStatusCode,
    ]);
    expect(ours.dryRun.message).toBe(theirs.dryRun.message);
  });
});
