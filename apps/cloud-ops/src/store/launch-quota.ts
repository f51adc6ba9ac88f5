import type { Queryable } from '@bounded/core';

/**
 * Takes `count` launches from the principal's allowance for the current clock hour, in one
 * statement every replica shares; returns what was already used when the allowance is too small.
 */
export async function takeLaunchQuota(
  q: Queryable,
  principal: string,
  count: number,
  perHour: number,
): Promise<{ granted: true } | { granted: false; used: number; resetsAt: Date }> {
  if (count > perHour) {
    return { granted: false, used: 0, resetsAt: nextHour() };
  }
  const { rows } = await q.query<{ launched: number }>(
    `insert into cloud_launch_quota (principal, hour, launched)
     values ($1, date_trunc('hour', now()), $2)
     on conflict (principal, hour) do update set launched = cloud_launch_quota.launched + excluded.launched
       where cloud_launch_quota.launched + excluded.launched <= $3
     returning launched`,
    [principal, count, perHour],
  );
  if (rows.length > 0) return { granted: true };
  const used = await q.query<{ launched: number; resets_at: Date | string }>(
    `select launched, date_trunc('hour', now()) + interval '1 hour' as resets_at
       from cloud_launch_quota where principal = $1 and hour = date_trunc('hour', now())`,
    [principal],
  );
  const row = used.rows[0];
  return { granted: false, used: row?.launched ?? 0, resetsAt: row ? new Date(row.resets_at) : nextHour() };
}

function nextHour(): Date {
  const now = new Date();
  now.setUTCMinutes(60, 0, 0);
  return now;
}
