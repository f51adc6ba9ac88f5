import { keysetAfter, orderBy, ToolError, type Queryable } from '@bounded/core';
import { invoiceTotals, lineAmount, type LineDraft, type LineKind } from '../domain/invoice.js';
import { invoiceIssued } from '../domain/journal.js';
import { newId } from './ids.js';
import { post } from './ledger.js';
import { rfc3339, rfc3339Micros, ts } from './sql-time.js';

export interface Invoice {
  id: string;
  customerId: string;
  subscriptionId: string | null;
  currency: string;
  memo: string | null;
  issuedAt: string;
  dueAt: string;
  paidAt: string | null;
  subtotalMinor: bigint;
  totalMinor: bigint;
  creditAppliedMinor: bigint;
  amountPaidMinor: bigint;
  amountDueMinor: bigint;
  status: 'open' | 'paid';
  journalTransactionId: string;
}

export interface InvoiceLine {
  position: number;
  kind: LineKind;
  description: string;
  quantity: number;
  unitAmountMinor: bigint;
  amountMinor: bigint;
  periodStart: string | null;
  periodEnd: string | null;
}

interface InvoiceRow {
  id: string;
  customer_id: string;
  subscription_id: string | null;
  currency: string;
  memo: string | null;
  issued_at: string;
  due_at: string;
  paid_at: string | null;
  subtotal_minor: string;
  total_minor: string;
  credit_applied_minor: string;
  amount_paid_minor: string;
  amount_due_minor: string;
  status: 'open' | 'paid';
  journal_transaction_id: string;
  issued_at_key: string;
}

const COLUMNS = `id, customer_id, subscription_id, currency, memo,
  ${rfc3339('issued_at')} AS issued_at, ${rfc3339('due_at')} AS due_at, ${rfc3339('paid_at')} AS paid_at,
  subtotal_minor, total_minor, credit_applied_minor, amount_paid_minor, amount_due_minor, status,
  journal_transaction_id, ${rfc3339Micros('issued_at')} AS issued_at_key`;

function toInvoice(r: InvoiceRow): Invoice {
  return {
    id: r.id,
    customerId: r.customer_id,
    subscriptionId: r.subscription_id,
    currency: r.currency,
    memo: r.memo,
    issuedAt: r.issued_at,
    dueAt: r.due_at,
    paidAt: r.paid_at,
    subtotalMinor: BigInt(r.subtotal_minor),
    totalMinor: BigInt(r.total_minor),
    creditAppliedMinor: BigInt(r.credit_applied_minor),
    amountPaidMinor: BigInt(r.amount_paid_minor),
    amountDueMinor: BigInt(r.amount_due_minor),
    status: r.status,
    journalTransactionId: r.journal_transaction_id,
  };
}

export interface InvoiceDraft {
  customerId: string;
  currency: string;
  subscriptionId: string | null;
  lines: LineDraft[];
  dueAt: Date;
  memo: string | null;
  now: Date;
}

/** Writes the invoice, its lines and its journal transaction. Credit is applied separately. */
export async function insertInvoice(q: Queryable, draft: InvoiceDraft): Promise<Invoice> {
  const totals = invoiceTotals(draft.lines);
  const id = newId('inv');
  const journalId = await post(
    q,
    invoiceIssued({
      customerId: draft.customerId,
      currency: draft.currency,
      documentId: id,
      memo: `Invoice ${id}`,
      chargesMinor: totals.chargesMinor,
      creditsMinor: totals.creditsMinor,
    }),
    draft.now,
  );
  const { rows } = await q.query<InvoiceRow>(
    `INSERT INTO invoices (id, customer_id, subscription_id, currency, memo, issued_at, due_at, subtotal_minor,
                           total_minor, paid_at, journal_transaction_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint, $9::bigint, CASE WHEN $9::bigint = 0 THEN $6::timestamptz END, $10)
     RETURNING ${COLUMNS}`,
    [
      id,
      draft.customerId,
      draft.subscriptionId,
      draft.currency,
      draft.memo,
      ts(draft.now),
      ts(draft.dueAt),
      totals.subtotalMinor.toString(),
      totals.totalMinor.toString(),
      journalId,
    ],
  );
  const params = draft.lines.flatMap((line, i) => [
    id,
    i + 1,
    line.kind,
    line.description,
    line.quantity,
    line.unitAmountMinor.toString(),
    lineAmount(line).toString(),
    line.periodStart ? ts(line.periodStart) : null,
    line.periodEnd ? ts(line.periodEnd) : null,
  ]);
  const tuples = draft.lines.map((_, i) => {
    const p = (k: number) => `$${i * 9 + k}`;
    return `(${p(1)}, ${p(2)}::smallint, ${p(3)}, ${p(4)}, ${p(5)}::integer, ${p(6)}::bigint, ${p(7)}::bigint, ${p(8)}::timestamptz, ${p(9)}::timestamptz)`;
  });
  await q.query(
    `INSERT INTO invoice_lines (invoice_id, position, kind, description, quantity, unit_amount_minor, amount_minor, period_start, period_end)
     VALUES ${tuples.join(', ')}`,
    params,
  );
  return toInvoice(rows[0]!);
}

export async function getInvoice(q: Queryable, id: string): Promise<Invoice | undefined> {
  const { rows } = await q.query<InvoiceRow>(`SELECT ${COLUMNS} FROM invoices WHERE id = $1`, [id]);
  return rows[0] ? toInvoice(rows[0]) : undefined;
}

function notFound(id: string, field: string): ToolError {
  return new ToolError('not_found', `${field}: no invoice '${id}'.`, {
    hint: "Invoice ids look like inv_…; find_invoices lists a customer's invoices.",
    details: { field, value: id },
  });
}

export async function requireInvoice(q: Queryable, id: string, field = 'invoice_id'): Promise<Invoice> {
  const invoice = await getInvoice(q, id);
  if (!invoice) throw notFound(id, field);
  return invoice;
}

/** The invoice, row-locked until the transaction ends. */
export async function lockInvoice(q: Queryable, id: string, field = 'invoice_id'): Promise<Invoice> {
  const { rows } = await q.query<InvoiceRow>(`SELECT ${COLUMNS} FROM invoices WHERE id = $1 FOR UPDATE`, [
    id,
  ]);
  if (!rows[0]) throw notFound(id, field);
  return toInvoice(rows[0]);
}

/** Open invoices of a customer in one currency, locked in id order, returned oldest due first. */
export async function lockOpenInvoices(
  q: Queryable,
  customerId: string,
  currency: string,
): Promise<Invoice[]> {
  const { rows } = await q.query<InvoiceRow>(
    `SELECT ${COLUMNS} FROM invoices WHERE customer_id = $1 AND currency = $2 AND status = 'open' ORDER BY id FOR UPDATE`,
    [customerId, currency],
  );
  return rows.map(toInvoice).sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.id.localeCompare(b.id));
}

const SETTLE = (column: string) =>
  `SET ${column} = ${column} + $2::bigint,
       paid_at = CASE WHEN amount_due_minor = $2::bigint THEN $3::timestamptz ELSE paid_at END
   WHERE id = $1 RETURNING ${COLUMNS}`;

export async function addPayment(q: Queryable, id: string, amountMinor: bigint, at: Date): Promise<Invoice> {
  const { rows } = await q.query<InvoiceRow>(`UPDATE invoices ${SETTLE('amount_paid_minor')}`, [
    id,
    amountMinor.toString(),
    ts(at),
  ]);
  return toInvoice(rows[0]!);
}

export async function addCreditApplied(
  q: Queryable,
  id: string,
  amountMinor: bigint,
  at: Date,
): Promise<Invoice> {
  const { rows } = await q.query<InvoiceRow>(`UPDATE invoices ${SETTLE('credit_applied_minor')}`, [
    id,
    amountMinor.toString(),
    ts(at),
  ]);
  return toInvoice(rows[0]!);
}

export async function linesOf(q: Queryable, invoiceId: string): Promise<InvoiceLine[]> {
  const { rows } = await q.query<{
    position: number;
    kind: LineKind;
    description: string;
    quantity: number;
    unit_amount_minor: string;
    amount_minor: string;
    period_start: string | null;
    period_end: string | null;
  }>(
    `SELECT position, kind, description, quantity, unit_amount_minor, amount_minor,
            ${rfc3339('period_start')} AS period_start, ${rfc3339('period_end')} AS period_end
       FROM invoice_lines WHERE invoice_id = $1 ORDER BY position`,
    [invoiceId],
  );
  return rows.map((r) => ({
    position: Number(r.position),
    kind: r.kind,
    description: r.description,
    quantity: Number(r.quantity),
    unitAmountMinor: BigInt(r.unit_amount_minor),
    amountMinor: BigInt(r.amount_minor),
    periodStart: r.period_start,
    periodEnd: r.period_end,
  }));
}

export type InvoiceStatusFilter = 'open' | 'paid' | 'overdue' | 'partially_paid';

export interface InvoiceFilters {
  customerId?: string;
  status?: InvoiceStatusFilter;
  currency?: string;
  issuedFrom?: Date;
  issuedBefore?: Date;
  minTotalMinor?: bigint;
  maxTotalMinor?: bigint;
}

const SORT = [
  { column: 'issued_at', direction: 'desc' },
  { column: 'id', direction: 'desc' },
] as const;

export interface InvoicePosition {
  issued_at: string;
  id: string;
}

/** Newest first; fetches up to `limit + 1` rows so the caller can tell whether more follow. */
export async function findInvoices(
  q: Queryable,
  filters: InvoiceFilters,
  now: Date,
  after: InvoicePosition | undefined,
  limit: number,
): Promise<{ invoices: Invoice[]; positionOf: (invoice: Invoice) => InvoicePosition }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filters.customerId !== undefined) add((p) => `customer_id = ${p}`, filters.customerId);
  if (filters.currency !== undefined) add((p) => `currency = ${p}`, filters.currency);
  if (filters.issuedFrom !== undefined) add((p) => `issued_at >= ${p}::timestamptz`, ts(filters.issuedFrom));
  if (filters.issuedBefore !== undefined)
    add((p) => `issued_at < ${p}::timestamptz`, ts(filters.issuedBefore));
  if (filters.minTotalMinor !== undefined)
    add((p) => `total_minor >= ${p}::bigint`, filters.minTotalMinor.toString());
  if (filters.maxTotalMinor !== undefined)
    add((p) => `total_minor <= ${p}::bigint`, filters.maxTotalMinor.toString());
  if (filters.status === 'paid') where.push(`status = 'paid'`);
  if (filters.status === 'open') where.push(`status = 'open'`);
  if (filters.status === 'partially_paid') where.push(`status = 'open' AND amount_due_minor < total_minor`);
  if (filters.status === 'overdue') add((p) => `status = 'open' AND due_at < ${p}::timestamptz`, ts(now));
  const keyset = keysetAfter(SORT, after ? { ...after } : undefined, params.length + 1);
  where.push(keyset.sql);
  params.push(...keyset.params, limit + 1);
  const { rows } = await q.query<InvoiceRow>(
    `SELECT ${COLUMNS} FROM invoices WHERE ${where.join(' AND ')} ${orderBy(SORT)} LIMIT $${params.length}`,
    params,
  );
  const keys = new Map(rows.map((r) => [r.id, r.issued_at_key]));
  return {
    invoices: rows.map(toInvoice),
    positionOf: (invoice) => ({ issued_at: keys.get(invoice.id)!, id: invoice.id }),
  };
}

export async function recentInvoices(q: Queryable, customerId: string, limit: number): Promise<Invoice[]> {
  const { rows } = await q.query<InvoiceRow>(
    `SELECT ${COLUMNS} FROM invoices WHERE customer_id = $1 ORDER BY issued_at DESC, id DESC LIMIT $2`,
    [customerId, limit],
  );
  return rows.map(toInvoice);
}

export interface OverdueTotals {
  currency: string;
  count: number;
  amountDueMinor: bigint;
  oldestDueAt: string;
}

export async function overdueTotals(q: Queryable, customerId: string, now: Date): Promise<OverdueTotals[]> {
  const { rows } = await q.query<{ currency: string; count: string; due: string; oldest: string }>(
    `SELECT currency, count(*)::text AS count, sum(amount_due_minor)::text AS due, ${rfc3339('min(due_at)')} AS oldest
       FROM invoices WHERE customer_id = $1 AND status = 'open' AND due_at < $2::timestamptz
      GROUP BY currency ORDER BY currency`,
    [customerId, ts(now)],
  );
  return rows.map((r) => ({
    currency: r.currency,
    count: Number(r.count),
    amountDueMinor: BigInt(r.due),
    oldestDueAt: r.oldest,
  }));
}
