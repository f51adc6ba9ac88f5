import type { Queryable } from '@bounded/core';

export type EnvironmentStatus =
  'provisioning' | 'running' | 'stopping' | 'stopped' | 'starting' | 'terminating' | 'terminated' | 'failed';

export interface Environment {
  id: string;
  name: string;
  region: string;
  instanceType: string;
  instanceCount: number;
  imageId: string;
  subnetId: string | null;
  tags: Record<string, string>;
  instanceIds: string[];
  status: EnvironmentStatus;
  expiresAt: Date | null;
  stoppedAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

export interface NewEnvironment {
  id: string;
  name: string;
  region: string;
  instanceType: string;
  instanceCount: number;
  imageId: string;
  subnetId: string | undefined;
  tags: Record<string, string>;
  expiresAt: Date | undefined;
  createdBy: string;
}

interface EnvironmentDbRow {
  id: string;
  name: string;
  region: string;
  instance_type: string;
  instance_count: number;
  image_id: string;
  subnet_id: string | null;
  tags: Record<string, string>;
  instance_ids: string[];
  status: EnvironmentStatus;
  expires_at: Date | string | null;
  stopped_at: Date | string | null;
  created_by: string;
  created_at: Date | string;
}

const COLUMNS = `id, name, region, instance_type, instance_count, image_id, subnet_id, tags, instance_ids,
  status, expires_at, stopped_at, created_by, created_at`;

/** Statuses that still hold (or are about to hold) instances. */
export const LIVE_STATUSES: readonly EnvironmentStatus[] = [
  'provisioning',
  'running',
  'stopping',
  'stopped',
  'starting',
  'terminating',
];

function toEnvironment(row: EnvironmentDbRow): Environment {
  const date = (v: Date | string | null) => (v === null ? null : new Date(v));
  return {
    id: row.id,
    name: row.name,
    region: row.region,
    instanceType: row.instance_type,
    instanceCount: row.instance_count,
    imageId: row.image_id,
    subnetId: row.subnet_id,
    tags: row.tags,
    instanceIds: row.instance_ids,
    status: row.status,
    expiresAt: date(row.expires_at),
    stoppedAt: date(row.stopped_at),
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
  };
}

export async function insertEnvironment(q: Queryable, env: NewEnvironment): Promise<void> {
  await q.query(
    `insert into cloud_environments (id, name, region, instance_type, instance_count, image_id, subnet_id, tags, status, expires_at, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, 'provisioning', $9, $10)`,
    [
      env.id,
      env.name,
      env.region,
      env.instanceType,
      env.instanceCount,
      env.imageId,
      env.subnetId ?? null,
      JSON.stringify(env.tags),
      env.expiresAt ?? null,
      env.createdBy,
    ],
  );
}

/** The live environment of that name, or the most recent one when none is live. */
export async function findEnvironmentByName(q: Queryable, name: string): Promise<Environment | undefined> {
  const { rows } = await q.query<EnvironmentDbRow>(
    `select ${COLUMNS} from cloud_environments where name = $1
      order by (status not in ('terminated', 'failed')) desc, created_at desc limit 1`,
    [name],
  );
  return rows[0] && toEnvironment(rows[0]);
}

export async function findEnvironmentById(q: Queryable, id: string): Promise<Environment | undefined> {
  const { rows } = await q.query<EnvironmentDbRow>(
    `select ${COLUMNS} from cloud_environments where id = $1`,
    [id],
  );
  return rows[0] && toEnvironment(rows[0]);
}

/** Recent environments, live ones first; for resource listings. */
export async function listEnvironments(q: Queryable, limit: number): Promise<Environment[]> {
  const { rows } = await q.query<EnvironmentDbRow>(
    `select ${COLUMNS} from cloud_environments
      order by (status not in ('terminated', 'failed')) desc, created_at desc limit $1`,
    [limit],
  );
  return rows.map(toEnvironment);
}

/** Instances per type over every live environment: what the policy's fleet-wide limits count. */
export async function liveInstancesByType(q: Queryable): Promise<Map<string, number>> {
  const { rows } = await q.query<{ instance_type: string; instances: number }>(
    `select instance_type, sum(instance_count)::int as instances from cloud_environments
      where status = any($1::text[]) group by instance_type`,
    [LIVE_STATUSES],
  );
  return new Map(rows.map((r) => [r.instance_type, r.instances]));
}

export async function recordInstances(q: Queryable, id: string, instanceIds: string[]): Promise<void> {
  await q.query(`update cloud_environments set instance_ids = $2, updated_at = now() where id = $1`, [
    id,
    instanceIds,
  ]);
}

export async function setEnvironmentStatus(
  q: Queryable,
  id: string,
  status: EnvironmentStatus,
): Promise<void> {
  await q.query(
    `update cloud_environments
        set status = $2, updated_at = now(),
            stopped_at = case when $2 = 'stopped' then coalesce(stopped_at, now()) when $2 = 'running' then null else stopped_at end
      where id = $1`,
    [id, status],
  );
}

/**
 * Claims up to `limit` environments past their TTL for this sweeper, skipping rows another
 * replica holds; a claim lapses after `claimMs`, so a crashed sweeper's work is picked up again.
 */
export async function claimExpired(q: Queryable, limit: number, claimMs: number): Promise<Environment[]> {
  const { rows } = await q.query<EnvironmentDbRow>(
    `update cloud_environments set sweep_claimed_until = now() + $2 * interval '1 millisecond'
      where id in (
        select id from cloud_environments
         where expires_at <= now() and ttl_handled_at is null
           and status in ('running', 'stopped', 'stopping', 'starting')
           and (sweep_claimed_until is null or sweep_claimed_until < now())
         order by expires_at
         limit $1
         for update skip locked)
      returning ${COLUMNS}`,
    [limit, claimMs],
  );
  return rows.map(toEnvironment);
}

/** Marks an expired environment as handled by the sweep, so no replica acts on it again. */
export async function markTtlHandled(q: Queryable, id: string): Promise<void> {
  await q.query(
    `update cloud_environments set ttl_handled_at = now(), sweep_claimed_until = null, updated_at = now() where id = $1`,
    [id],
  );
}
