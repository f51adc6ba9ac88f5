// Tests talk to the sandbox only through the real AWS SDK, as cloud-ops does.
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterEach } from 'vitest';
import { startEc2Sandbox, type Ec2Sandbox, type Ec2SandboxOptions } from '../src/index.js';

/** An EC2 client for the sandbox; one attempt per call unless a test asks for the SDK's retries. */
export function sdkClient(sandbox: Pick<Ec2Sandbox, 'endpoint'>, maxAttempts = 1): EC2Client {
  return new EC2Client({
    endpoint: sandbox.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    maxAttempts,
  });
}

const open: Ec2Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

/** A sandbox closed after the test, with instant state transitions unless the test says otherwise. */
export async function startTestSandbox(
  options: Ec2SandboxOptions = {},
): Promise<{ sandbox: Ec2Sandbox; ec2: EC2Client }> {
  const sandbox = await startEc2Sandbox({
    ...options,
    delays: { pendingMs: 0, stoppingMs: 0, shuttingDownMs: 0, ...options.delays },
  });
  open.push(sandbox);
  return { sandbox, ec2: sdkClient(sandbox) };
}

/** The error a call rejects with, failing the test if it resolves. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number; attempts?: number } };
  }
  throw new Error('expected the call to fail, and it succeeded');
}

export const AMI = 'ami-0123456789abcdef0';
