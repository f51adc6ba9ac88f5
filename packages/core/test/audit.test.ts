import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordAudit, type AuditEntry } from '../src/audit/record.js';
import { auditMigration } from '../src/audit/schema.js';
import { migrate } from '../src/db/migrate.js';
import { settingsMigration } from '../src/pagination/schema.js';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.js';

interface AuditRow {
  id: string;
  at: Date;
  principal: string;
  tool: string;
  idempotency_key: string | null;
  args_digest: string;
  outcome: string;
  replayed: boolean;
  request_id: string;
  duration_ms: number | null;
}

describe('core migrations', () => {
  it('carry the ids the migrations runner orders by', () => {
    expect(auditMigration.id).toBe('0002_audit');
    expect(settingsMigration.id).toBe('0003_settings');
  });
});

describe('recordAudit', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await migrate(t.db, 'core', [auditMigration]);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.db.query('DELETE FROM bounded_audit');
  });

  const entry: AuditEntry = {
    principal: 'user:ada',
    tool: 'issue_refund',
    idempotencyKey: 'refund-7f3a-0001',
    argsDigest: 'sha256:9b1c',
    outcome: 'ok',
    replayed: true,
    requestId: 'req_01',
    durationMs: 41.6,
  };

  async function rows(): Promise<AuditRow[]> {
    return (await t.db.query<AuditRow>('SELECT * FROM bounded_audit ORDER BY id')).rows;
  }

  it('creates the table with an index on (principal, at), and its SQL can run again harmlessly', async () => {
    await t.db.query(auditMigration.sql);
    const columns = await t.db.query<{ column_name: string; is_nullable: string }>(
      "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'bounded_audit' ORDER BY ordinal_position",
    );
    expect(columns.rows.map((c) => `${c.column_name}:${c.is_nullable}`)).toEqual([
      'id:NO',
      'at:NO',
      'principal:NO',
      'tool:NO',
      'idempotency_key:YES',
      'args_digest:NO',
      'outcome:NO',
      'replayed:NO',
      'request_id:NO',
      'duration_ms:YES',
    ]);
    const indexes = await t.db.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'bounded_audit'",
    );
    expect(indexes.rows.map((i) => i.indexdef).join('\n')).toMatch(/\(principal, at\)/);
  });

  it('stores every field in its column', async () => {
    const before = Date.now();
    await recordAudit(t.db, entry);
    const [row] = await rows();
    expect(row).toMatchObject({
      principal: 'user:ada',
      tool: 'issue_refund',
      idempotency_key: 'refund-7f3a-0001',
      args_digest: 'sha256:9b1c',
      outcome: 'ok',
      replayed: true,
      request_id: 'req_01',
      duration_ms: 42, // the column holds whole milliseconds
    });
    expect(row?.at).toBeInstanceOf(Date);
    expect(Math.abs((row?.at.getTime() ?? 0) - before)).toBeLessThan(60_000);
  });

  it('fills the optional fields with their defaults', async () => {
    await recordAudit(t.db, {
      principal: 'operator',
      tool: 'close_ticket',
      argsDigest: 'd',
      outcome: 'precondition_failed',
      requestId: 'req_02',
    });
    expect(await rows()).toMatchObject([
      { idempotency_key: null, replayed: false, duration_ms: null, outcome: 'precondition_failed' },
    ]);
  });

  it('commits and rolls back with the transaction it is given', async () => {
    await t.db.transaction((tx) => recordAudit(tx, { ...entry, requestId: 'kept' }));
    await expect(
      t.db.transaction(async (tx) => {
        await recordAudit(tx, { ...entry, requestId: 'rolled-back' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await rows()).map((r) => r.request_id)).toEqual(['kept']);
  });
});
