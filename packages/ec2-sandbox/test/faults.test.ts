import {
  DescribeInstancesCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAuthorizationMessage } from '../src/index.js';
import { AMI, rejection, sdkClient, startTestSandbox } from './sdk-client.js';

const run = () => new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 });

describe('fault injection, as the SDK sees it', () => {
  it.each([
    ['RequestLimitExceeded', 503],
    ['InternalError', 500],
    ['ServiceUnavailable', 503],
    ['InsufficientInstanceCapacity', 500],
    ['UnauthorizedOperation', 403],
  ] as const)('%s answers HTTP %i with that error code, and launches nothing', async (code, status) => {
    const { sandbox, ec2 } = await startTestSandbox();
    sandbox.injectFault({ action: 'RunInstances', error: code });
    const error = await rejection(ec2.send(run()));
    expect(error.name).toBe(code);
    expect(error.$metadata.httpStatusCode).toBe(status);
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations).toEqual([]);
    expect(sandbox.requests[0]).toMatchObject({ action: 'RunInstances', status, errorCode: code });
  });

  it('UnauthorizedOperation carries an encoded message that names the action', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    sandbox.injectFault({ action: 'TerminateInstances', error: 'UnauthorizedOperation' });
    const error = await rejection(
      ec2.send(new TerminateInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })),
    );
    expect(error.message).toMatch(/^You are not authorized to perform this operation\./);
    const encoded = /Encoded authorization failure message: (\S+)$/.exec(error.message)?.[1];
    expect(encoded).toBeDefined();
    // Decodable by hand, as the README says: base64 of JSON.
    const decoded = JSON.parse(Buffer.from(encoded!, 'base64').toString('utf8')) as {
      context: { action: string };
    };
    expect(decoded.context.action).toBe('ec2:TerminateInstances');
    expect(decodeAuthorizationMessage(error.message)).toEqual(decoded);
    expect(decodeAuthorizationMessage(error.message).allowed).toBe(false);
  });

  it('UnauthorizedOperation wins over DryRunOperation, as a missing permission does in EC2', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    sandbox.injectFault({ action: 'RunInstances', error: 'UnauthorizedOperation' });
    const denied = await rejection(
      ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, DryRun: true })),
    );
    expect([denied.name, denied.$metadata.httpStatusCode]).toEqual(['UnauthorizedOperation', 403]);
    sandbox.clearFaults();
    const allowed = await rejection(
      ec2.send(new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1, DryRun: true })),
    );
    expect([allowed.name, allowed.$metadata.httpStatusCode]).toEqual(['DryRunOperation', 412]);
  });

  it('a fault for one action leaves the others alone', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    sandbox.injectFault({ action: 'StopInstances', error: 'InternalError' });
    const launched = await ec2.send(run());
    const id = launched.Instances![0]!.InstanceId!;
    const error = await rejection(ec2.send(new StopInstancesCommand({ InstanceIds: [id] })));
    expect(error.name).toBe('InternalError');
    const after = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(after.Reservations![0]!.Instances![0]!.State?.Name).toBe('running');
  });

  it('a fault without an action hits every action', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    sandbox.injectFault({ error: 'ServiceUnavailable' });
    expect((await rejection(ec2.send(run()))).name).toBe('ServiceUnavailable');
    expect((await rejection(ec2.send(new DescribeInstancesCommand({})))).name).toBe('ServiceUnavailable');
  });

  it('fires at most `times` times, so the SDK’s own retries get through', async () => {
    const { sandbox } = await startTestSandbox();
    sandbox.injectFault({ action: 'RunInstances', error: 'RequestLimitExceeded', times: 1 });
    const retrying = sdkClient(sandbox, 3);
    const out = await retrying.send(run());
    expect(out.$metadata.attempts).toBe(2);
    expect(out.Instances).toHaveLength(1);
    expect(sandbox.requests.map((r) => [r.action, r.status, r.errorCode])).toEqual([
      ['RunInstances', 503, 'RequestLimitExceeded'],
      ['RunInstances', 200, undefined],
    ]);
  });

  it('a retried launch with the SDK’s ClientToken is one launch, even when the first answer is lost to a 500', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    // The first attempt fails before any work is done; the SDK resends the same ClientToken.
    sandbox.injectFault({ action: 'RunInstances', error: 'InternalError', times: 1 });
    const out = await sdkClient(sandbox, 2).send(run());
    expect(out.$metadata.attempts).toBe(2);
    const [first, second] = sandbox.requests.map((r) => r.params['ClientToken']);
    expect(first).toBeDefined();
    expect(second).toBe(first);
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations).toHaveLength(1);
  });

  it('probability 0 never fires and probability 1 always does', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    sandbox.injectFault({ action: 'DescribeInstances', error: 'InternalError', probability: 0 });
    for (let i = 0; i < 5; i++) await ec2.send(new DescribeInstancesCommand({}));
    sandbox.clearFaults();
    sandbox.injectFault({ action: 'DescribeInstances', error: 'InternalError', probability: 1 });
    for (let i = 0; i < 5; i++)
      expect((await rejection(ec2.send(new DescribeInstancesCommand({})))).name).toBe('InternalError');
  });

  it('probability 0.5 fires on some requests and not on others', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    sandbox.injectFault({ action: 'DescribeInstances', error: 'InternalError', probability: 0.5 });
    // 60 requests: the chance that all or none fire is 2 × 2⁻⁶⁰.
    for (let i = 0; i < 60; i++) await ec2.send(new DescribeInstancesCommand({})).catch(() => undefined);
    const failed = sandbox.requests.filter((r) => r.errorCode === 'InternalError').length;
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(60);
  });

  it('latency delays the answer, with or without an error', async () => {
    const { sandbox, ec2 } = await startTestSandbox();
    sandbox.injectFault({ action: 'DescribeInstances', latencyMs: 250 });
    let started = performance.now();
    await ec2.send(new DescribeInstancesCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);

    sandbox.injectFault({ action: 'RunInstances', latencyMs: 250, error: 'RequestLimitExceeded' });
    started = performance.now();
    expect((await rejection(ec2.send(run()))).name).toBe('RequestLimitExceeded');
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('refuses a fault it cannot honour', async () => {
    const { sandbox } = await startTestSandbox();
    expect(() => sandbox.injectFault({ probability: 2 })).toThrow(/probability/);
    expect(() => sandbox.injectFault({ times: -1 })).toThrow(/times/);
    expect(() => sandbox.injectFault({ error: 'Teapot' as never })).toThrow(/RequestLimitExceeded/);
  });

  it('close() does not wait out an injected latency, and the delayed request changes nothing', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'ec2-sandbox-')), 'state.json');
    const { sandbox, ec2 } = await startTestSandbox({ stateFile });
    sandbox.injectFault({ action: 'RunInstances', latencyMs: 400 });
    const pending = ec2.send(run()).catch((error: Error) => error);
    // Let the request reach the sandbox and start its wait (if it has not, nothing may launch either).
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sandbox.close();
    expect(await pending).toBeInstanceOf(Error);
    // Past the latency: the abandoned launch must not have run and written the state file.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(existsSync(stateFile)).toBe(false);
    expect(sandbox.requests).toEqual([]);
  });
});
