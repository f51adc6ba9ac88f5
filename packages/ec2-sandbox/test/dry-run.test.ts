import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstanceTypesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AMI, rejection, startTestSandbox } from './sdk-client.js';

describe('DryRun on every action', () => {
  it('answers DryRunOperation (412) when allowed, UnauthorizedOperation (403) when denied, and changes nothing', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    const id = (await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 })))
      .Instances![0]!.InstanceId!;
    const calls = {
      RunInstances: () => new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, DryRun: true }),
      DescribeInstances: () => new DescribeInstancesCommand({ DryRun: true }),
      StartInstances: () => new StartInstancesCommand({ InstanceIds: [id], DryRun: true }),
      StopInstances: () => new StopInstancesCommand({ InstanceIds: [id], DryRun: true }),
      TerminateInstances: () => new TerminateInstancesCommand({ InstanceIds: [id], DryRun: true }),
      CreateTags: () =>
        new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'k', Value: 'v' }], DryRun: true }),
      DeleteTags: () => new DeleteTagsCommand({ Resources: [id], DryRun: true }),
      DescribeInstanceStatus: () => new DescribeInstanceStatusCommand({ DryRun: true }),
      DescribeInstanceTypes: () => new DescribeInstanceTypesCommand({ DryRun: true }),
      DescribeImages: () => new DescribeImagesCommand({ DryRun: true }),
    };
    for (const [action, command] of Object.entries(calls)) {
      const allowed = await rejection(ec2.send(command() as RunInstancesCommand));
      expect([action, allowed.name, allowed.$metadata.httpStatusCode]).toEqual([
        action,
        'DryRunOperation',
        412,
      ]);
      sandbox.injectFault({ action, error: 'UnauthorizedOperation' });
      const denied = await rejection(ec2.send(command() as RunInstancesCommand));
      expect([action, denied.name, denied.$metadata.httpStatusCode]).toEqual([
        action,
        'UnauthorizedOperation',
        403,
      ]);
      expect(denied.message).toContain(`ec2:${action}`);
    }
    sandbox.clearFaults();
    const after = await ec2.send(new DescribeInstancesCommand({}));
    const instances = after.Reservations!.flatMap((r) => r.Instances!);
    expect(instances.map((i) => [i.InstanceId, i.State?.Name, i.Tags])).toEqual([[id, 'running', []]]);
    expect(sandbox.requests.filter((r) => r.dryRun)).toHaveLength(2 * Object.keys(calls).length);
  });
});
