import type { Queryable, ToolErrorBody } from '@bounded/core';

export type OperationKind = 'provision' | 'stop' | 'start' | 'terminate';
export type TargetState = 'running' | 'stopped' | 'terminated';
export type OperationStatus = 'in_progress' | 'succeeded' | 'failed';

export interface Operation {
  id: string;
  environmentId: string;
  environmentName: string;
  region: string;
  kind: OperationKind;
  targetState: TargetState;
  status: OperationStatus;
  clientToken: string | null;
  reservationId: string | null;
  instanceIds: string[];
  principal: string;
  triggeredBy: 'tool' | 'ttl_sweep';
  error: ToolErrorBody | null;
  createdAt: Date;
  completedAt: Date | null;
}

export interface NewOperation {
  id: string;
  environmentId: string;
  kind: OperationKind;
  targetState: TargetState;
  clientToken?: string | undefined;
  instanceIds?: string[] | undefined;
  principal: string;
  triggeredBy?: 'tool' | 'ttl_sweep';
}

interface OperationDbRow {
  id: string;
  environment_id: string;
  environment_name: string;
  region: string;
  kind: OperationKind;
  target_state: TargetState;
  status: OperationStatus;
  client_token: string | null;
  reservation_id: string | null;
  instance_ids: string[];
  principal: string;
  triggered_by: 'tool' | 'ttl_sweep';
  error: ToolErrorBody | null;
  created_at: Date | string;
  completed_at: Date | string | null;
}

const SELECT = `select o.id, o.environment_id, e.name as environment_name, e.region, o.kind, o.target_state, o.status,
  o.client_token, o.reservation_id, o.instance_ids, o.principal, o.triggered_by, o.error, o.created_at, o.completed_at
  from cloud_operations o join cloud_environments e on e.id = o.environment_id`;

function toOperation(row: OperationDbRow): Operation {
  return {
    id: row.id,
    environmentId: row.environment_id,
    environmentName: row.environment_name,
    region: row.region,
    kind: row.kind,
    targetState: row.target_state,
    status: row.status,
    clientToken: row.client_token,
    reservationId: row.reservation_id,
    instanceIds: row.instance_ids,
    principal: row.principal,
    triggeredBy: row.triggered_by,
    error: row.error,
    createdAt: new Date(row.created_at),
    completedAt: row.completed_at === null ? null : new Date(row.completed_at),
  };
}

export async function insertOperation(q: Queryable, op: NewOperation): Promise<void> {
  await q.query(
    `insert into cloud_operations (id, environment_id, kind, target_state, status, client_token, instance_ids, principal, triggered_by)
     values ($1, $2, $3, $4, 'in_progress', $5, $6, $7, $8)`,
    [
      op.id,
      op.environmentId,
      op.kind,
      op.targetState,
      op.clientToken ?? null,
      op.instanceIds ?? [],
      op.principal,
      op.triggeredBy ?? 'tool',
    ],
  );
}

export async function findOperation(q: Queryable, id: string): Promise<Operation | undefined> {
  const { rows } = await q.query<OperationDbRow>(`${SELECT} where o.id = $1`, [id]);
  return rows[0] && toOperation(rows[0]);
}

/** The latest operations on an environment, newest first. */
export async function operationsOf(q: Queryable, environmentId: string, limit: number): Promise<Operation[]> {
  const { rows } = await q.query<OperationDbRow>(
    `${SELECT} where o.environment_id = $1 order by o.created_at desc, o.id limit $2`,
    [environmentId, limit],
  );
  return rows.map(toOperation);
}

/** Recent operations, newest first; for resource listings. */
export async function recentOperations(q: Queryable, limit: number): Promise<Operation[]> {
  const { rows } = await q.query<OperationDbRow>(`${SELECT} order by o.created_at desc, o.id limit $1`, [
    limit,
  ]);
  return rows.map(toOperation);
}

export async function recordLaunch(
  q: Queryable,
  id: string,
  reservationId: string,
  instanceIds: string[],
): Promise<void> {
  await q.query(
    `update cloud_operations set reservation_id = $2, instance_ids = $3, updated_at = now() where id = $1`,
    [id, reservationId, instanceIds],
  );
}

/**
 * Settles an operation once: only an operation still in progress changes, so replicas that
 * observe the same end state at once agree on one outcome. Returns whether this call settled it.
 */
export async function settleOperation(
  q: Queryable,
  id: string,
  status: 'succeeded' | 'failed',
  error?: ToolErrorBody,
): Promise<boolean> {
  const result = await q.query(
    `update cloud_operations set status = $2, error = $3::jsonb, completed_at = now(), updated_at = now()
      where id = $1 and status = 'in_progress'`,
    [id, status, error === undefined ? null : JSON.stringify(error)],
  );
  return result.rowCount === 1;
}
