import type { Queryable } from '@bounded/core';

/** When this server saw each of the given (managed) instances' environment stop; unknown ids are absent. */
export async function stoppedSince(q: Queryable, instanceIds: string[]): Promise<Map<string, Date>> {
  if (instanceIds.length === 0) return new Map();
  const { rows } = await q.query<{ instance_id: string; stopped_at: Date | string }>(
    `select unnest(instance_ids) as instance_id, stopped_at from cloud_environments
      where stopped_at is not null and instance_ids && $1::text[]`,
    [instanceIds],
  );
  return new Map(rows.map((r) => [r.instance_id, new Date(r.stopped_at)]));
}
