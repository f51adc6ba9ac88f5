import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  paginateDescribeInstances,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
  type EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AMI, rejection, startTestSandbox } from './sdk-client.js';

async function launch(ec2: EC2Client, instanceType: _InstanceType, tags: Record<string, string>, count = 1) {
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: AMI,
      InstanceType: instanceType,
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [
        { ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      ],
    }),
  );
  return out.Instances!.map((i) => i.InstanceId!);
}

async function ids(ec2: EC2Client, Filters: Filter[]) {
  const out = await ec2.send(new DescribeInstancesCommand({ Filters }));
  return out.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!));
}

describe('DescribeInstances filters', () => {
  it('filter by state, tag, tag-key, instance type and id; values OR, filters AND, wildcards match', async () => {
    const { ec2 } = await startTestSandbox();
    const [web] = await launch(ec2, 't3.micro', { env: 'prod', team: 'web' });
    const [api] = await launch(ec2, 't3.large', { env: 'prod' });
    const [dev] = await launch(ec2, 't3.micro', { env: 'dev' });
    await ec2.send(new StopInstancesCommand({ InstanceIds: [api!] }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [dev!] }));

    expect(await ids(ec2, [{ Name: 'instance-state-name', Values: ['running'] }])).toEqual([web]);
    expect(await ids(ec2, [{ Name: 'instance-state-name', Values: ['running', 'stopped'] }])).toEqual([
      web,
      api,
    ]);
    // Terminated instances stay visible and can be found by state.
    expect(await ids(ec2, [{ Name: 'instance-state-name', Values: ['terminated'] }])).toEqual([dev]);
    expect(await ids(ec2, [{ Name: 'tag:env', Values: ['prod'] }])).toEqual([web, api]);
    expect(await ids(ec2, [{ Name: 'tag:env', Values: ['pr*'] }])).toEqual([web, api]);
    expect(await ids(ec2, [{ Name: 'tag:env', Values: ['?ev'] }])).toEqual([dev]);
    expect(await ids(ec2, [{ Name: 'tag-key', Values: ['team'] }])).toEqual([web]);
    expect(await ids(ec2, [{ Name: 'tag-value', Values: ['web'] }])).toEqual([web]);
    expect(await ids(ec2, [{ Name: 'instance-type', Values: ['t3.micro'] }])).toEqual([web, dev]);
    expect(
      await ids(ec2, [
        { Name: 'instance-type', Values: ['t3.micro'] },
        { Name: 'tag:env', Values: ['prod'] },
      ]),
    ).toEqual([web]);
    expect(await ids(ec2, [{ Name: 'instance-id', Values: [api!] }])).toEqual([api]);
    expect(await ids(ec2, [{ Name: 'tag:missing', Values: ['*'] }])).toEqual([]);
  });

  it('filters narrow an explicit id list too', async () => {
    const { ec2 } = await startTestSandbox();
    const [a, b] = await launch(ec2, 't3.micro', { env: 'prod' }, 2);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [b!] }));
    const out = await ec2.send(
      new DescribeInstancesCommand({
        InstanceIds: [a!, b!],
        Filters: [{ Name: 'instance-state-name', Values: ['stopped'] }],
      }),
    );
    expect(out.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId))).toEqual([b]);
  });

  it('an unknown filter name is InvalidParameterValue naming it', async () => {
    const { ec2 } = await startTestSandbox();
    const error = await rejection(
      ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] })),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toContain("'colour'");
  });
});

describe('DescribeInstances pagination', () => {
  it('pages with MaxResults and NextToken, every instance exactly once, in launch order', async () => {
    const { ec2 } = await startTestSandbox();
    const launched = [
      ...(await launch(ec2, 't3.micro', { n: '1' }, 4)),
      ...(await launch(ec2, 't3.micro', { n: '2' }, 4)),
      ...(await launch(ec2, 't3.micro', { n: '3' }, 4)),
    ];
    const pages: string[][] = [];
    for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 5 }, {})) {
      pages.push(page.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
    }
    expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
    expect(pages.flat()).toEqual(launched);
  });

  it('a page boundary inside a reservation splits it across pages under the same reservation id', async () => {
    const { ec2 } = await startTestSandbox();
    await launch(ec2, 't3.micro', {}, 7);
    const first = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    const second = await ec2.send(
      new DescribeInstancesCommand({ MaxResults: 5, NextToken: first.NextToken }),
    );
    expect(first.Reservations![0]!.Instances).toHaveLength(5);
    expect(second.Reservations![0]!.Instances).toHaveLength(2);
    expect(second.Reservations![0]!.ReservationId).toBe(first.Reservations![0]!.ReservationId);
    expect(second.NextToken).toBeUndefined();
  });

  it('instances launched between pages do not shift the pages already handed out', async () => {
    const { ec2 } = await startTestSandbox();
    const early = await launch(ec2, 't3.micro', {}, 6);
    const first = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    const late = await launch(ec2, 't3.micro', {}, 1);
    const second = await ec2.send(
      new DescribeInstancesCommand({ MaxResults: 5, NextToken: first.NextToken }),
    );
    expect(second.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId))).toEqual([
      early[5],
      ...late,
    ]);
  });

  it('MaxResults outside 5..1000 and a forged NextToken are refused', async () => {
    const { ec2 } = await startTestSandbox();
    const small = await rejection(ec2.send(new DescribeInstancesCommand({ MaxResults: 4 })));
    expect(small.name).toBe('InvalidParameterValue');
    const forged = await rejection(
      ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: 'not-a-token' })),
    );
    expect(forged.name).toBe('InvalidPaginationToken');
  });
});

describe('CreateTags and DeleteTags', () => {
  it('adds, overwrites and removes instance tags', async () => {
    const { ec2 } = await startTestSandbox();
    const [id] = await launch(ec2, 't3.micro', { env: 'dev' });
    await ec2.send(
      new CreateTagsCommand({
        Resources: [id!],
        Tags: [
          { Key: 'env', Value: 'prod' },
          { Key: 'owner', Value: 'ana' },
        ],
      }),
    );
    const tagsOf = async () =>
      (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id!] }))).Reservations![0]!.Instances![0]!
        .Tags;
    expect(await tagsOf()).toEqual([
      { Key: 'env', Value: 'prod' },
      { Key: 'owner', Value: 'ana' },
    ]);
    await ec2.send(new DeleteTagsCommand({ Resources: [id!], Tags: [{ Key: 'env', Value: 'dev' }] }));
    expect(await tagsOf()).toHaveLength(2); // value did not match: kept
    await ec2.send(new DeleteTagsCommand({ Resources: [id!], Tags: [{ Key: 'env' }] }));
    expect(await tagsOf()).toEqual([{ Key: 'owner', Value: 'ana' }]);
    await ec2.send(new DeleteTagsCommand({ Resources: [id!] }));
    expect(await tagsOf()).toEqual([]);
  });

  it('tags nothing when one resource is unknown', async () => {
    const { ec2 } = await startTestSandbox();
    const [id] = await launch(ec2, 't3.micro', {});
    const error = await rejection(
      ec2.send(
        new CreateTagsCommand({ Resources: [id!, 'i-0123456789abcdef0'], Tags: [{ Key: 'k', Value: 'v' }] }),
      ),
    );
    expect(error.name).toBe('InvalidInstanceID.NotFound');
    const tags = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id!] }))).Reservations![0]!
      .Instances![0]!.Tags;
    expect(tags).toEqual([]);
    const other = await rejection(
      ec2.send(
        new CreateTagsCommand({ Resources: ['vol-0123456789abcdef0'], Tags: [{ Key: 'k', Value: 'v' }] }),
      ),
    );
    expect(other.name).toBe('InvalidID');
  });
});
