// Bad input gets a clear, actionable error naming the field, and changes nothing anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, key, provisionArgs, setupCloudOps, type CloudOps } from './support/cloud-ops.js';

let env: CloudOps;

beforeAll(async () => {
  env = await setupCloudOps();
});

afterAll(async () => {
  await env?.close();
});

const manyTags = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`tag-${i}`, 'x']));

describe('bad input', () => {
  it.each([
    [
      'an unknown environment',
      'stop_environment',
      { environment: 'no-such-env', idempotency_key: 'bad-input-0001' },
      'not_found',
      /No environment named no-such-env/,
    ],
    [
      'a malformed environment name',
      'terminate_environment',
      { environment: 'Prod Env!', idempotency_key: 'bad-input-0002' },
      'invalid_argument',
      /environment: lower-case letters/,
    ],
    [
      'a malformed operation id',
      'get_operation_status',
      { operation_id: 'op_../../etc' },
      'invalid_argument',
      /operation_id: an operation id/,
    ],
    [
      'an unknown operation id',
      'get_operation_status',
      { operation_id: 'op_0000000000000000' },
      'not_found',
      /No operation op_0000000000000000/,
    ],
    [
      'a malformed image id',
      'provision_environment',
      provisionArgs('bad-1', { image_id: 'ubuntu-latest' }),
      'invalid_argument',
      /image_id: an AMI id/,
    ],
    [
      'a malformed subnet id',
      'provision_environment',
      provisionArgs('bad-1', { subnet_id: 'subnet-XYZ' }),
      'invalid_argument',
      /subnet_id: a subnet id/,
    ],
    [
      'a malformed instance type',
      'provision_environment',
      provisionArgs('bad-1', { instance_type: 'huge' }),
      'invalid_argument',
      /instance_type: an EC2 instance type/,
    ],
    [
      'a huge tag value',
      'provision_environment',
      provisionArgs('bad-1', { tags: { owner: 'x'.repeat(100_000) } }),
      'invalid_argument',
      /tags\.owner: .*256/,
    ],
    [
      'a reserved tag key',
      'provision_environment',
      provisionArgs('bad-1', { tags: { 'aws:owner': 'me' } }),
      'invalid_argument',
      /aws: prefix is reserved/,
    ],
    [
      '1,000 tags',
      'provision_environment',
      provisionArgs('bad-1', { tags: manyTags }),
      'invalid_argument',
      /at most 40 tags/,
    ],
    [
      'a zero count',
      'provision_environment',
      provisionArgs('bad-1', { count: 0 }),
      'invalid_argument',
      /count: /,
    ],
    [
      'a missing idempotency key',
      'provision_environment',
      { ...provisionArgs('bad-1'), idempotency_key: undefined },
      'invalid_argument',
      /idempotency_key/,
    ],
    [
      'too long a wait',
      'get_operation_status',
      { operation_id: 'op_0000000000000000', wait_seconds: 600 },
      'invalid_argument',
      /wait_seconds/,
    ],
    ['too long a tag key', 'list_instances', { tag_key: 'k'.repeat(200) }, 'invalid_argument', /tag_key/],
  ])('%s → a clear error, nothing sent to EC2', async (_what, tool, args, code, message) => {
    const client = await env.connect();
    const before = env.requests().length;
    const error = await failure(client, tool, args as Record<string, unknown>);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.message.length).toBeLessThan(2000);
    expect(env.requests()).toHaveLength(before);
    const { rows } = await env.db.query<{ n: number }>('select count(*)::int as n from cloud_environments');
    expect(rows[0]!.n).toBe(0);
  });

  it('a tampered cursor is refused with a hint to start over', async () => {
    const client = await env.connect();
    const error = await failure(client, 'list_instances', { cursor: 'not-a-cursor' });
    expect(error.code).toBe('invalid_argument');
    expect(error.hint).toMatch(/omit cursor/);
  });

  it('keeps idempotency keys within their bounds', async () => {
    const client = await env.connect();
    const error = await failure(client, 'stop_environment', {
      environment: 'x',
      idempotency_key: key('k').padEnd(300, 'k'),
    });
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toMatch(/idempotency_key/);
  });
});
