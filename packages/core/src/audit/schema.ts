/** Creates `bounded_audit`: one row per state-changing tool call, looked up by principal and time. */
export const auditMigration: { id: string; sql: string } = {
  id: '0002_audit',
  sql: `CREATE TABLE IF NOT EXISTS bounded_audit (
  id              bigserial PRIMARY KEY,
  at              timestamptz NOT NULL DEFAULT now(),
  principal       text NOT NULL,
  tool            text NOT NULL,
  idempotency_key text,
  args_digest     text NOT NULL,
  outcome         text NOT NULL,
  replayed        boolean NOT NULL DEFAULT false,
  request_id      text NOT NULL,
  duration_ms     integer
);
CREATE INDEX IF NOT EXISTS bounded_audit_principal_at ON bounded_audit (principal, at);`,
};
