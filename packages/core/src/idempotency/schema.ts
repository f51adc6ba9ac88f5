/**
 * One row per (principal, tool, key). `status` is 'running' only for phased calls holding a
 * lease (or one that died holding it); a transactional call commits its claim as 'done'
 * together with its effects, so nobody else ever sees it running.
 *
 * The reaper index is on the moment a row stopped mattering: completion for done rows, lease
 * expiry for abandoned running ones. One expression covers both, so one index scan finds
 * everything past retention.
 */
const sql = `
create table if not exists bounded_idempotency (
  principal        text        not null,
  tool             text        not null,
  key              text        not null,
  args_digest      text        not null,
  status           text        not null check (status in ('running', 'done')),
  outcome          jsonb,
  phases           jsonb       not null default '{}',
  lease_owner      text,
  lease_expires_at timestamptz,
  created_at       timestamptz not null default now(),
  completed_at     timestamptz,
  primary key (principal, tool, key),
  check ((status = 'done') = (outcome is not null and completed_at is not null))
);

create index if not exists bounded_idempotency_reap_idx
  on bounded_idempotency ((coalesce(completed_at, lease_expires_at)));
`;

/** The migration that creates the idempotency table; core applies it (scope 'core') before any app's. */
export const idempotencyMigration = { id: '0001_idempotency', sql } as const;
