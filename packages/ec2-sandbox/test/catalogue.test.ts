import {
  DescribeImagesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstanceTypesCommand,
  paginateDescribeInstanceTypes,
  RunInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AMI, rejection, startTestSandbox } from './sdk-client.js';

describe('DescribeInstanceStatus', () => {
  it('lists running instances by default, every state with IncludeAllInstances', async () => {
    const { ec2 } = await startTestSandbox();
    const [a, b] = (
      await ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 2, MaxCount: 2 }))
    ).Instances!.map((i) => i.InstanceId!);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [b!] }));

    const running = await ec2.send(new DescribeInstanceStatusCommand({}));
    expect(running.InstanceStatuses).toHaveLength(1);
    expect(running.InstanceStatuses![0]).toMatchObject({
      InstanceId: a,
      AvailabilityZone: 'us-east-1a',
      InstanceState: { Code: 16, Name: 'running' },
      InstanceStatus: { Status: 'ok' },
      SystemStatus: { Status: 'ok' },
    });

    const all = await ec2.send(new DescribeInstanceStatusCommand({ IncludeAllInstances: true }));
    expect(
      all.InstanceStatuses!.map((s) => [s.InstanceId, s.InstanceState?.Name, s.InstanceStatus?.Status]),
    ).toEqual([
      [a, 'running', 'ok'],
      [b, 'stopped', 'not-applicable'],
    ]);
    const stopped = await ec2.send(
      new DescribeInstanceStatusCommand({
        IncludeAllInstances: true,
        Filters: [{ Name: 'instance-state-name', Values: ['stopped'] }],
      }),
    );
    expect(stopped.InstanceStatuses!.map((s) => s.InstanceId)).toEqual([b]);
    const unknown = await rejection(
      ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: ['i-0123456789abcdef0'] })),
    );
    expect(unknown.name).toBe('InvalidInstanceID.NotFound');
  });
});

describe('DescribeInstanceTypes', () => {
  it('describes vCPUs, memory and architecture of named types, and refuses unknown ones', async () => {
    const { ec2 } = await startTestSandbox();
    const out = await ec2.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: ['t3.micro', 'm7g.large'] }),
    );
    expect(
      out.InstanceTypes!.map((t) => [
        t.InstanceType,
        t.VCpuInfo?.DefaultVCpus,
        t.MemoryInfo?.SizeInMiB,
        t.ProcessorInfo?.SupportedArchitectures,
        t.CurrentGeneration,
      ]),
    ).toEqual([
      ['t3.micro', 2, 1024, ['x86_64'], true],
      ['m7g.large', 2, 8192, ['arm64'], true],
    ]);
    const error = await rejection(
      ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['t3.micro', 'x9.huge' as 't3.micro'] })),
    );
    expect(error.name).toBe('InvalidInstanceType');
    expect(error.message).toContain('x9.huge');
  });

  it('filters and pages the catalogue', async () => {
    const { ec2 } = await startTestSandbox();
    const arm = await ec2.send(
      new DescribeInstanceTypesCommand({
        Filters: [
          { Name: 'processor-info.supported-architecture', Values: ['arm64'] },
          { Name: 'vcpu-info.default-vcpus', Values: ['2'] },
        ],
      }),
    );
    expect(arm.InstanceTypes!.length).toBeGreaterThan(0);
    for (const type of arm.InstanceTypes!) {
      expect(type.ProcessorInfo?.SupportedArchitectures).toEqual(['arm64']);
      expect(type.VCpuInfo?.DefaultVCpus).toBe(2);
    }
    const all = await ec2.send(new DescribeInstanceTypesCommand({}));
    const paged: string[] = [];
    for await (const page of paginateDescribeInstanceTypes({ client: ec2, pageSize: 7 }, {})) {
      expect(page.InstanceTypes!.length).toBeLessThanOrEqual(7);
      paged.push(...page.InstanceTypes!.map((t) => t.InstanceType!));
    }
    expect(paged).toEqual(all.InstanceTypes!.map((t) => t.InstanceType));
    expect(new Set(paged).size).toBe(paged.length);
  });
});

describe('DescribeImages', () => {
  it('finds images by owner and name pattern, and refuses unknown image ids', async () => {
    const { ec2 } = await startTestSandbox();
    const out = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['amazon'],
        Filters: [
          { Name: 'name', Values: ['al2023-ami-*'] },
          { Name: 'architecture', Values: ['arm64'] },
        ],
      }),
    );
    expect(out.Images).toHaveLength(1);
    expect(out.Images![0]).toMatchObject({
      Architecture: 'arm64',
      State: 'available',
      ImageOwnerAlias: 'amazon',
      PlatformDetails: 'Linux/UNIX',
    });
    expect(out.Images![0]!.ImageId).toMatch(/^ami-[0-9a-f]{17}$/);
    const error = await rejection(
      ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-0123456789abcdef0'] })),
    );
    expect(error.name).toBe('InvalidAMIID.NotFound');
  });

  it('RunInstances refuses a known image whose architecture the instance type cannot run', async () => {
    const { ec2 } = await startTestSandbox();
    const arm = (
      await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'architecture', Values: ['arm64'] }] }))
    ).Images![0]!.ImageId!;
    const error = await rejection(
      ec2.send(new RunInstancesCommand({ ImageId: arm, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 })),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toMatch(/architecture 'x86_64'.*'arm64'/);
    const ok = await ec2.send(
      new RunInstancesCommand({ ImageId: arm, InstanceType: 't4g.micro', MinCount: 1, MaxCount: 1 }),
    );
    expect(ok.Instances![0]!.Architecture).toBe('arm64');
  });
});
