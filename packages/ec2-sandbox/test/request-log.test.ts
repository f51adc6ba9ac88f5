import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { AMI, rejection, startTestSandbox } from './sdk-client.js';

describe('request log', () => {
  it('records every request in order with its action, form fields, time, status and error code', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    const before = Date.now();
    await ec2.send(
      new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, ClientToken: 'log-token' }),
    );
    await ec2.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: 'instance-state-name', Values: ['running', 'stopped'] }],
      }),
    );
    await rejection(ec2.send(new TerminateInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));

    expect(
      sandbox.requests.map(({ action, status, errorCode, dryRun }) => ({
        action,
        status,
        errorCode,
        dryRun,
      })),
    ).toEqual([
      { action: 'RunInstances', status: 200, errorCode: undefined, dryRun: false },
      { action: 'DescribeInstances', status: 200, errorCode: undefined, dryRun: false },
      { action: 'TerminateInstances', status: 400, errorCode: 'InvalidInstanceID.NotFound', dryRun: false },
    ]);
    expect(sandbox.requests[0]!.params).toMatchObject({
      Action: 'RunInstances',
      ImageId: AMI,
      MinCount: '1',
      MaxCount: '1',
      ClientToken: 'log-token',
    });
    expect(sandbox.requests[1]!.params).toMatchObject({
      'Filter.1.Name': 'instance-state-name',
      'Filter.1.Value.1': 'running',
      'Filter.1.Value.2': 'stopped',
    });
    expect(sandbox.requests[2]!.params['InstanceId.1']).toBe('i-0123456789abcdef0');
    for (const request of sandbox.requests) {
      expect(Date.parse(request.at)).toBeGreaterThanOrEqual(before - 1000);
      expect(request.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('an unknown action is InvalidAction, and logged', async () => {
    const { sandbox } = await startTestSandbox();
    const response = await fetch(sandbox.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeVolumes&Version=2016-11-15',
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<Code>InvalidAction</Code>');
    expect(sandbox.requests[0]).toMatchObject({
      action: 'DescribeVolumes',
      status: 400,
      errorCode: 'InvalidAction',
    });
  });
});
