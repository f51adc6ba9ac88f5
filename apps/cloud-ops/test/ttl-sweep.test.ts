// Environments past their TTL are stopped (or terminated) once, by whichever replica gets there, and audited.
import { createLogger } from '@bounded/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpired } from '../src/ttl-sweep.js';
import { ok, provisionArgs, settle, setupCloudOps, type CloudOps } from './support/cloud-ops.js';

let env: CloudOps;
const log = createLogger({ name: 'ttl-test', level: 'silent' });

beforeAll(async () => {
  env = await setupCloudOps({ policy: { ttl_action: 'stop' } });
});

afterAll(async () => {
  await env?.close();
});

async function expire(name: string): Promise<void> {
  await env.db.query(
    `update cloud_environments set expires_at = now() - interval '1 minute' where name = $1`,
    [name],
  );
}

describe('the TTL sweep', () => {
  it('stops an expired environment once when two replicas sweep at the same moment, and audits it', async () => {
    const client = await env.connect();
    const provisioned = await ok(
      client,
      'provision_environment',
      provisionArgs('ttl-1', { count: 2, ttl_hours: 1 }),
    );
    await settle(client, provisioned.operation.operation_id);
    const untouched = await ok(
      client,
      'provision_environment',
      provisionArgs('ttl-later', { count: 1, ttl_hours: 5 }),
    );
    await settle(client, untouched.operation.operation_id);
    await expire('ttl-1');

    const stopsBefore = env.requests('StopInstances').filter((r) => !r.dryRun).length;
    const signal = new AbortController().signal;
    const [a, b] = await Promise.all([
      sweepExpired(env.db, env.deps, log, signal),
      sweepExpired(env.db, env.deps, log, signal),
    ]);
    const results = [...a, ...b];
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ environment: 'ttl-1', action: 'stop', outcome: 'ok' });
    expect(env.requests('StopInstances').filter((r) => !r.dryRun).length - stopsBefore).toBe(1);

    const status = await settle(client, results[0]!.operationId!);
    expect(status.operation).toMatchObject({ kind: 'stop', status: 'succeeded', environment: 'ttl-1' });
    const { rows: audit } = await env.db.query<{ principal: string; tool: string; outcome: string }>(
      `select principal, tool, outcome from bounded_audit where principal = 'ttl-sweep'`,
    );
    expect(audit).toEqual([{ principal: 'ttl-sweep', tool: 'ttl_stop', outcome: 'ok' }]);

    // Handled once: later sweeps leave it, and the environment that has not expired, alone.
    expect(await sweepExpired(env.db, env.deps, log, signal)).toEqual([]);
    const later = await ok(client, 'list_instances', { environment: 'ttl-later' });
    expect(later.instances.map((i: { state: string }) => i.state)).toEqual(['running']);
  });

  it('refuses a protected environment, audits the refusal and does not retry it', async () => {
    const client = await env.connect();
    const provisioned = await ok(
      client,
      'provision_environment',
      provisionArgs('ttl-kept', { count: 1, ttl_hours: 1, tags: { owner: 'x' } }),
    );
    await settle(client, provisioned.operation.operation_id);
    await env.db.query(
      `update cloud_environments set tags = tags || '{"bounded:protected":"true"}' where name = 'ttl-kept'`,
    );
    await expire('ttl-kept');
    const stopsBefore = env.requests('StopInstances').length;
    const results = await sweepExpired(env.db, env.deps, log, new AbortController().signal);
    expect(results).toEqual([
      { environment: 'ttl-kept', action: 'stop', outcome: 'precondition_failed', operationId: undefined },
    ]);
    expect(env.requests('StopInstances')).toHaveLength(stopsBefore);
    const { rows } = await env.db.query<{ outcome: string }>(
      `select outcome from bounded_audit where principal = 'ttl-sweep' order by id desc limit 1`,
    );
    expect(rows[0]!.outcome).toBe('precondition_failed');
    expect(await sweepExpired(env.db, env.deps, log, new AbortController().signal)).toEqual([]);
  });
});
