import type { Queryable } from '@bounded/core';
import { allocateCredit } from '../domain/invoice.js';
import { creditApplied, creditExpired, creditGranted } from '../domain/journal.js';
import { newId } from './ids.js';
import { addCreditApplied, lockInvoice, lockOpenInvoices, type Invoice } from './invoices.js';
import { post } from './ledger.js';
import { lockCustomer } from './locks.js';
import { rfc3339, ts } from './sql-time.js';

export type CreditSource = 'grant' | 'overpayment' | 'proration';

export interface CreditLot {
  id: string;
  customerId: string;
  currency: string;
  source: CreditSource;
  amountMinor: bigint;
  remainingMinor: bigint;
  reason: string | null;
  expiresAt: string | null;
  paymentId: string | null;
  invoiceId: string | null;
  createdAt: string;
}

interface LotRow {
  id: string;
  customer_id: string;
  currency: string;
  source: CreditSource;
  amount_minor: string;
  remaining_minor: string;
  reason: string | null;
  expires_at: string | null;
  payment_id: string | null;
  invoice_id: string | null;
  created_at: string;
}

const COLUMNS = `id, customer_id, currency, source, amount_minor, remaining_minor, reason,
  ${rfc3339('expires_at')} AS expires_at, payment_id, invoice_id, ${rfc3339('created_at')} AS created_at`;

function toLot(r: LotRow): CreditLot {
  return {
    id: r.id,
    customerId: r.customer_id,
    currency: r.currency,
    source: r.source,
    amountMinor: BigInt(r.amount_minor),
    remainingMinor: BigInt(r.remaining_minor),
    reason: r.reason,
    expiresAt: r.expires_at,
    paymentId: r.payment_id,
    invoiceId: r.invoice_id,
    createdAt: r.created_at,
  };
}

/** Records a lot of credit whose journal transaction (crediting customer_credit) is already posted. */
export async function insertLot(
  q: Queryable,
  lot: {
    id?: string;
    customerId: string;
    currency: string;
    source: CreditSource;
    amountMinor: bigint;
    reason: string | null;
    expiresAt: Date | null;
    grantedBy: string | null;
    paymentId: string | null;
    invoiceId: string | null;
    journalTransactionId: string;
    now: Date;
  },
): Promise<CreditLot> {
  const { rows } = await q.query<LotRow>(
    `INSERT INTO credit_lots (id, customer_id, currency, source, amount_minor, remaining_minor, reason, expires_at,
                              granted_by, payment_id, invoice_id, created_at, journal_transaction_id)
     VALUES ($1, $2, $3, $4, $5::bigint, $5::bigint, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
    [
      lot.id ?? newId('crd'),
      lot.customerId,
      lot.currency,
      lot.source,
      lot.amountMinor.toString(),
      lot.reason,
      lot.expiresAt ? ts(lot.expiresAt) : null,
      lot.grantedBy,
      lot.paymentId,
      lot.invoiceId,
      ts(lot.now),
      lot.journalTransactionId,
    ],
  );
  return toLot(rows[0]!);
}

/** Grants goodwill credit (expense) to a customer. */
export async function grantCredit(
  q: Queryable,
  input: {
    customerId: string;
    currency: string;
    amountMinor: bigint;
    reason: string;
    expiresAt: Date | null;
    grantedBy: string;
    now: Date;
  },
): Promise<CreditLot> {
  await lockCustomer(q, input.customerId);
  const id = newId('crd');
  const journalId = await post(
    q,
    creditGranted({
      customerId: input.customerId,
      currency: input.currency,
      documentId: id,
      memo: `Credit ${id}: ${input.reason}`,
      amountMinor: input.amountMinor,
    }),
    input.now,
  );
  return insertLot(q, {
    ...input,
    id,
    source: 'grant',
    paymentId: null,
    invoiceId: null,
    journalTransactionId: journalId,
  });
}

/** Every lot of the customer's credit in one currency that still holds something, locked in id order. */
async function lockOpenLots(q: Queryable, customerId: string, currency: string): Promise<CreditLot[]> {
  const { rows } = await q.query<LotRow>(
    `SELECT ${COLUMNS} FROM credit_lots WHERE customer_id = $1 AND currency = $2 AND remaining_minor > 0 ORDER BY id FOR UPDATE`,
    [customerId, currency],
  );
  return rows.map(toLot);
}

async function takeFromLot(q: Queryable, lotId: string, amountMinor: bigint): Promise<void> {
  await q.query('UPDATE credit_lots SET remaining_minor = remaining_minor - $2::bigint WHERE id = $1', [
    lotId,
    amountMinor.toString(),
  ]);
}

/** Ends expired grants: what is left of each goes back out of customer_credit. Returns what expired. */
async function expireLots(q: Queryable, lots: CreditLot[], now: Date): Promise<bigint> {
  let total = 0n;
  for (const lot of lots) {
    if (lot.expiresAt === null || new Date(lot.expiresAt).getTime() > now.getTime()) continue;
    await post(
      q,
      creditExpired({
        customerId: lot.customerId,
        currency: lot.currency,
        documentId: lot.id,
        memo: `Credit ${lot.id} expired`,
        amountMinor: lot.remainingMinor,
      }),
      now,
    );
    await q.query('UPDATE credit_lots SET remaining_minor = 0, expired_at = $2 WHERE id = $1', [
      lot.id,
      ts(now),
    ]);
    total += lot.remainingMinor;
  }
  return total;
}

/** Soonest-expiring credit is spent first; credit that never expires last; then oldest first. */
function spendingOrder(a: CreditLot, b: CreditLot): number {
  if (a.expiresAt !== b.expiresAt) {
    if (a.expiresAt === null) return 1;
    if (b.expiresAt === null) return -1;
    return a.expiresAt.localeCompare(b.expiresAt);
  }
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/** Available credit after sweeping expired grants; the lots stay locked. */
export async function usableLots(
  q: Queryable,
  customerId: string,
  currency: string,
  now: Date,
): Promise<CreditLot[]> {
  const lots = await lockOpenLots(q, customerId, currency);
  await expireLots(q, lots, now);
  return lots
    .filter((l) => l.expiresAt === null || new Date(l.expiresAt).getTime() > now.getTime())
    .sort(spendingOrder);
}

export interface CreditApplication {
  invoiceId: string;
  amountMinor: bigint;
}

/** Applies the customer's available credit to one invoice, up to its amount due. */
export async function applyCreditToInvoice(
  q: Queryable,
  invoiceId: string,
  now: Date,
): Promise<{ invoice: Invoice; appliedMinor: bigint }> {
  const invoice = await lockInvoice(q, invoiceId);
  if (invoice.amountDueMinor === 0n) return { invoice, appliedMinor: 0n };
  const lots = await usableLots(q, invoice.customerId, invoice.currency, now);
  const allocations = allocateCredit(
    lots.map((l) => ({ id: l.id, remainingMinor: l.remainingMinor })),
    invoice.amountDueMinor,
  );
  const appliedMinor = allocations.reduce((sum, a) => sum + a.amountMinor, 0n);
  if (appliedMinor === 0n) return { invoice, appliedMinor };
  const journalId = await post(
    q,
    creditApplied({
      customerId: invoice.customerId,
      currency: invoice.currency,
      documentId: invoice.id,
      memo: `Credit applied to ${invoice.id}`,
      amountMinor: appliedMinor,
    }),
    now,
  );
  for (const a of allocations) {
    await takeFromLot(q, a.lotId, a.amountMinor);
    await q.query(
      `INSERT INTO credit_applications (credit_lot_id, invoice_id, amount_minor, applied_at, journal_transaction_id)
       VALUES ($1, $2, $3::bigint, $4, $5)`,
      [a.lotId, invoice.id, a.amountMinor.toString(), ts(now), journalId],
    );
  }
  return { invoice: await addCreditApplied(q, invoice.id, appliedMinor, now), appliedMinor };
}

/** Applies available credit to the customer's open invoices in one currency, oldest due first. */
export async function applyCreditToOpenInvoices(
  q: Queryable,
  customerId: string,
  currency: string,
  now: Date,
): Promise<CreditApplication[]> {
  await lockCustomer(q, customerId);
  const open = await lockOpenInvoices(q, customerId, currency);
  const applied: CreditApplication[] = [];
  for (const invoice of open) {
    const result = await applyCreditToInvoice(q, invoice.id, now);
    if (result.appliedMinor === 0n) break;
    applied.push({ invoiceId: invoice.id, amountMinor: result.appliedMinor });
  }
  return applied;
}

/** The lot holding a payment's overpayment, locked; undefined when the payment overpaid nothing. */
export async function lockOverpaymentLot(q: Queryable, paymentId: string): Promise<CreditLot | undefined> {
  const { rows } = await q.query<LotRow>(
    `SELECT ${COLUMNS} FROM credit_lots WHERE payment_id = $1 FOR UPDATE`,
    [paymentId],
  );
  return rows[0] ? toLot(rows[0]) : undefined;
}

export async function takeForRefund(q: Queryable, lotId: string, amountMinor: bigint): Promise<void> {
  await takeFromLot(q, lotId, amountMinor);
}

const USABLE = `customer_id = $1 AND remaining_minor > 0 AND (expires_at IS NULL OR expires_at > $2::timestamptz)`;

/**
 * Lots with credit left and not expired at `now`, in spending order, at most `limit` of them
 * (read-only). A list to show, never to add up: `usableCredit` sums all of them.
 */
export async function availableLots(
  q: Queryable,
  customerId: string,
  now: Date,
  limit: number,
): Promise<CreditLot[]> {
  const { rows } = await q.query<LotRow>(
    `SELECT ${COLUMNS} FROM credit_lots WHERE ${USABLE}
      ORDER BY expires_at NULLS LAST, created_at, id LIMIT $3`,
    [customerId, ts(now), limit],
  );
  return rows.map(toLot);
}

/**
 * Usable account credit per currency: what is left in every lot not expired at `now`. The ledger's
 * customer_credit account also holds expired grants until a write sweeps them, so it can read high.
 */
export async function usableCredit(
  q: Queryable,
  customerId: string,
  now: Date,
): Promise<Map<string, bigint>> {
  const { rows } = await q.query<{ currency: string; total_minor: string }>(
    `SELECT currency, sum(remaining_minor)::text AS total_minor FROM credit_lots WHERE ${USABLE} GROUP BY currency`,
    [customerId, ts(now)],
  );
  return new Map(rows.map((r) => [r.currency, BigInt(r.total_minor)]));
}

export async function getLot(q: Queryable, id: string): Promise<CreditLot | undefined> {
  const { rows } = await q.query<LotRow>(`SELECT ${COLUMNS} FROM credit_lots WHERE id = $1`, [id]);
  return rows[0] ? toLot(rows[0]) : undefined;
}

export interface AppliedCredit {
  creditLotId: string;
  amountMinor: bigint;
  appliedAt: string;
}

export async function creditAppliedToInvoice(q: Queryable, invoiceId: string): Promise<AppliedCredit[]> {
  const { rows } = await q.query<{ credit_lot_id: string; amount_minor: string; applied_at: string }>(
    `SELECT credit_lot_id, amount_minor, ${rfc3339('applied_at')} AS applied_at FROM credit_applications WHERE invoice_id = $1 ORDER BY id`,
    [invoiceId],
  );
  return rows.map((r) => ({
    creditLotId: r.credit_lot_id,
    amountMinor: BigInt(r.amount_minor),
    appliedAt: r.applied_at,
  }));
}
