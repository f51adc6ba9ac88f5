import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AMI, rejection, startTestSandbox } from './sdk-client.js';

describe('EC2 errors through the SDK', () => {
  it('a malformed instance id is InvalidInstanceID.Malformed (400)', async () => {
    const { ec2 } = await startTestSandbox();
    const error = await rejection(ec2.send(new TerminateInstancesCommand({ InstanceIds: ['web-1'] })));
    expect(error.name).toBe('InvalidInstanceID.Malformed');
    expect(error.message).toContain('web-1');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('unknown instance ids are InvalidInstanceID.NotFound, naming each', async () => {
    const { ec2 } = await startTestSandbox();
    const one = await rejection(ec2.send(new StopInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));
    expect(one.name).toBe('InvalidInstanceID.NotFound');
    expect(one.message).toBe("The instance ID 'i-0123456789abcdef0' does not exist");
    const two = await rejection(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0', 'i-00000000'] })),
    );
    expect(two.message).toBe("The instance IDs 'i-0123456789abcdef0, i-00000000' do not exist");
  });

  it('bad RunInstances parameters are refused with the parameter named, and launch nothing', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    const cases: [Partial<ConstructorParameters<typeof RunInstancesCommand>[0]>, string, RegExp][] = [
      [{ InstanceType: 'x9.huge' as _InstanceType }, 'InvalidParameterValue', /InstanceType/],
      [{ MinCount: 0, MaxCount: 1 }, 'InvalidParameterValue', /MinCount/],
      [{ MinCount: 3, MaxCount: 2 }, 'InvalidParameterValue', /MinCount \(3\).*MaxCount \(2\)/],
      [{ ImageId: 'ubuntu' }, 'InvalidAMIID.Malformed', /ubuntu/],
      [{ Placement: { AvailabilityZone: 'eu-west-1a' } }, 'InvalidParameterValue', /eu-west-1a/],
      [
        { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'aws:owner', Value: 'x' }] }] },
        'InvalidParameterValue',
        /aws:/,
      ],
    ];
    for (const [override, code, message] of cases) {
      const error = await rejection(
        ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, ...override })),
      );
      expect([error.name, error.$metadata.httpStatusCode]).toEqual([code, 400]);
      expect(error.message).toMatch(message);
    }
    const all = await ec2.send(new DescribeInstancesCommand({}));
    expect(all.Reservations).toEqual([]);
    expect(sandbox.requests.filter((r) => r.action === 'RunInstances').map((r) => r.status)).toEqual(
      cases.map(() => 400),
    );
  });

  it('launches as many as MaxCount asks when the limit allows, at least MinCount or none', async () => {
    const { ec2 } = await startTestSandbox({ instanceLimit: 5 });
    const three = await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 3 }));
    expect(three.Instances).toHaveLength(3);
    const capped = await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 5 }));
    expect(capped.Instances).toHaveLength(2);
    const none = await rejection(
      ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 })),
    );
    expect(none.name).toBe('InstanceLimitExceeded');
  });

  it('DescribeInstances refuses InstanceIds with MaxResults, as EC2 does', async () => {
    const { ec2 } = await startTestSandbox();
    const error = await rejection(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'], MaxResults: 5 })),
    );
    expect(error.name).toBe('InvalidParameterCombination');
  });
});

describe('DryRun', () => {
  it('answers DryRunOperation (412) for a request that would succeed, and changes nothing', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    const error = await rejection(
      ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, DryRun: true })),
    );
    expect(error.name).toBe('DryRunOperation');
    expect(error.$metadata.httpStatusCode).toBe(412);
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
    expect(sandbox.requests[0]).toMatchObject({
      action: 'RunInstances',
      dryRun: true,
      status: 412,
      errorCode: 'DryRunOperation',
    });
  });

  it('still reports a bad request as the error it is', async () => {
    const { ec2 } = await startTestSandbox();
    const error = await rejection(
      ec2.send(new TerminateInstancesCommand({ InstanceIds: ['nope'], DryRun: true })),
    );
    expect(error.name).toBe('InvalidInstanceID.Malformed');
  });
});
