import { loadMigrations, type Database } from '@bounded/core';
import {
  connectClient,
  createTestDatabase,
  createTestRuntime,
  type ConnectOptions,
  type TestClient,
  type TestDatabase,
  type ToolCallResult,
} from '@bounded/core/testing';
import { startEc2Sandbox, type Ec2Sandbox, type Ec2SandboxOptions } from '@bounded/ec2-sandbox';
import type { RuntimeOptions } from '@bounded/core';
import { expect } from 'vitest';
import { CloudOpsConfig, type CloudOpsDeps } from '../../src/config.js';
import { DEFAULT_POLICY, PolicyFile, type Policy } from '../../src/domain/policy.js';
import { createEc2Gateway } from '../../src/ec2/gateway.js';
import { EMULATOR_CREDENTIALS } from '../../src/ec2/target.js';
import { cloudOpsApp } from '../../src/server.js';

export const MIGRATIONS = new URL('../../migrations/', import.meta.url);
export const AMI = 'ami-0123456789abcdef0';

export interface SetupOptions {
  /** Overrides of the default policy, in the policy file's own shape. */
  policy?: Record<string, unknown>;
  sandbox?: Ec2SandboxOptions;
  /** Talk to this endpoint (moto_server) instead of starting a sandbox. */
  endpoint?: string;
  maxAttempts?: number;
  runtime?: Partial<RuntimeOptions>;
  /** An existing database (a crash test reopens one). */
  db?: Database;
}

/** A migrated database, an EC2 sandbox (or another endpoint) and the app's runtime wired to both. */
export async function setupCloudOps(options: SetupOptions = {}) {
  const testDb: TestDatabase | undefined = options.db ? undefined : await createTestDatabase();
  const sandbox: Ec2Sandbox | undefined = options.endpoint
    ? undefined
    : await startEc2Sandbox({
        delays: { pendingMs: 50, stoppingMs: 50, shuttingDownMs: 50 },
        ...options.sandbox,
      });
  const endpoint = options.endpoint ?? sandbox!.endpoint;
  const policy: Policy = options.policy
    ? PolicyFile.parse({ ...policyFileOf(DEFAULT_POLICY), ...options.policy })
    : DEFAULT_POLICY;
  const deps: CloudOpsDeps = {
    config: CloudOpsConfig.parse({ CLOUD_OPS_TTL_SWEEP_SECONDS: '0' }),
    policy,
    ec2: createEc2Gateway({
      maxAttempts: options.maxAttempts ?? 8,
      target: async () => ({ endpoint, credentials: EMULATOR_CREDENTIALS }),
    }),
  };
  const runtime = createTestRuntime({
    app: cloudOpsApp,
    db: options.db ?? testDb!.db,
    deps,
    migrations: await loadMigrations(MIGRATIONS),
    ...(options.runtime ? { options: options.runtime } : {}),
  });
  await runtime.ready();
  const clients: TestClient[] = [];
  return {
    db: runtime.db,
    runtime,
    deps,
    sandbox,
    testDb,
    endpoint,
    /** A real MCP client; defaults to the modern era with a person who approves every confirmation. */
    async connect(connect: Partial<ConnectOptions> = {}): Promise<TestClient> {
      const client = await connectClient(runtime, {
        era: 'modern',
        onElicit: () => ({ action: 'accept', content: { confirm: true } }),
        ...connect,
      });
      clients.push(client);
      return client;
    },
    /** Requests the sandbox received for one action (DryRun ones included). */
    requests(action?: string) {
      return (sandbox?.requests ?? []).filter((r) => action === undefined || r.action === action);
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await sandbox?.close();
      await testDb?.close();
    },
  };
}

export type CloudOps = Awaited<ReturnType<typeof setupCloudOps>>;

/** Back to the file's shape (dollars as strings), so a test can override single fields. */
function policyFileOf(policy: Policy): Record<string, unknown> {
  const usd = (micro: number) => (micro / 1_000_000).toFixed(6);
  return {
    ...policy,
    max_hourly_cost_per_environment_usd: usd(policy.max_hourly_cost_per_environment_usd),
    max_hourly_cost_total_usd: usd(policy.max_hourly_cost_total_usd),
  };
}

// Parsed by each tool's output schema in the wrapper; tests read it field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Data = any;

/** Calls a tool and expects success; returns structuredContent. */
export async function ok(
  client: TestClient,
  name: string,
  args: Record<string, unknown>,
  options?: Parameters<TestClient['callTool']>[2],
): Promise<Data> {
  const result = await client.callTool(name, args, options);
  expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
  return result.structuredContent as Data;
}

/** Calls a tool and expects an error result; returns structuredContent.error. */
export async function failure(
  client: TestClient,
  name: string,
  args: Record<string, unknown>,
): Promise<{ code: string; message: string; hint?: string; details?: Data; retryable: boolean }> {
  const result: ToolCallResult = await client.callTool(name, args);
  expect(result.isError, `${name} should fail: ${JSON.stringify(result.content)}`).toBe(true);
  return (result.structuredContent as Data).error;
}

let n = 0;
/** A fresh idempotency key. */
export const key = (label = 'k') => `${label}-${process.pid}-${Date.now()}-${(n += 1)}`;

/** Provision arguments for a small allowed environment. */
export function provisionArgs(environment: string, extra: Record<string, unknown> = {}) {
  return {
    environment,
    instance_type: 't3.micro',
    count: 2,
    image_id: AMI,
    idempotency_key: key('prov'),
    ...extra,
  };
}

/**
 * Waits (through get_operation_status) until an operation leaves in_progress. A poll answered with
 * timeout or unavailable (EC2 throttled it past the call's deadline) is polled again, as a model
 * would; any other error, `internal` included, fails the test.
 */
export async function settle(
  client: TestClient,
  operationId: string,
  onprogress?: (p: unknown) => void,
): Promise<Data> {
  for (let i = 0; i < 20; i++) {
    const result = await client.callTool(
      'get_operation_status',
      { operation_id: operationId, wait_seconds: 5 },
      onprogress ? { onprogress } : undefined,
    );
    const data = result.structuredContent as Data;
    if (result.isError) {
      expect(['timeout', 'unavailable'], `get_operation_status: ${JSON.stringify(result.content)}`).toContain(
        data.error.code,
      );
      continue;
    }
    if (data.operation.status !== 'in_progress') return data;
  }
  throw new Error(`operation ${operationId} did not finish`);
}
