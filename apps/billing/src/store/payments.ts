import { ToolError, type Queryable } from '@bounded/core';
import { splitPayment } from '../domain/invoice.js';
import { paymentReceived } from '../domain/journal.js';
import { formatMoney } from '../domain/money.js';
import { assertCurrencyMatches } from './currencies.js';
import { applyCreditToOpenInvoices, insertLot, type CreditApplication } from './credits.js';
import { newId } from './ids.js';
import { addPayment, getInvoice, lockInvoice, type Invoice } from './invoices.js';
import { post } from './ledger.js';
import { lockCustomerOf } from './locks.js';
import { rfc3339, ts } from './sql-time.js';

export type PaymentMethod = 'card' | 'bank_transfer' | 'direct_debit' | 'cash' | 'check' | 'wallet' | 'other';

export interface Payment {
  id: string;
  customerId: string;
  invoiceId: string;
  currency: string;
  amountMinor: bigint;
  appliedMinor: bigint;
  creditedMinor: bigint;
  refundedMinor: bigint;
  method: PaymentMethod;
  provider: string;
  providerReference: string | null;
  receivedAt: string;
}

interface PaymentRow {
  id: string;
  customer_id: string;
  invoice_id: string;
  currency: string;
  amount_minor: string;
  applied_minor: string;
  credited_minor: string;
  refunded_minor: string;
  method: PaymentMethod;
  provider: string;
  provider_reference: string | null;
  received_at: string;
}

const COLUMNS = `id, customer_id, invoice_id, currency, amount_minor, applied_minor, credited_minor, refunded_minor,
  method, provider, provider_reference, ${rfc3339('received_at')} AS received_at`;

function toPayment(r: PaymentRow): Payment {
  return {
    id: r.id,
    customerId: r.customer_id,
    invoiceId: r.invoice_id,
    currency: r.currency,
    amountMinor: BigInt(r.amount_minor),
    appliedMinor: BigInt(r.applied_minor),
    creditedMinor: BigInt(r.credited_minor),
    refundedMinor: BigInt(r.refunded_minor),
    method: r.method,
    provider: r.provider,
    providerReference: r.provider_reference,
    receivedAt: r.received_at,
  };
}

export interface PaymentInput {
  invoiceId: string;
  amountMinor: bigint;
  currency: string;
  method: PaymentMethod;
  provider: string;
  providerReference: string | null;
  receivedAt: Date;
  note: string | null;
  recordedBy: string;
  now: Date;
}

export interface RecordedPayment {
  payment: Payment;
  invoice: Invoice;
  /** Overpayment that became account credit and then settled other open invoices. */
  creditApplications: CreditApplication[];
}

async function findByReference(
  q: Queryable,
  provider: string,
  reference: string,
): Promise<Payment | undefined> {
  const { rows } = await q.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM payments WHERE provider = $1 AND provider_reference = $2`,
    [provider, reference],
  );
  return rows[0] ? toPayment(rows[0]) : undefined;
}

function alreadyRecorded(existing: Payment): ToolError {
  return new ToolError(
    'conflict',
    `This provider reference was already recorded as ${existing.id} (${formatMoney(existing.amountMinor, existing.currency)} on ${existing.invoiceId}).`,
    {
      hint: 'The payment is on the books already; do not record it again. Read it with get_customer_billing_summary.',
      details: { payment_id: existing.id, invoice_id: existing.invoiceId },
    },
  );
}

/**
 * Records money received against an invoice. The invoice is settled first; any overpayment
 * becomes account credit, which then settles the customer's other open invoices in that currency.
 */
export async function recordPayment(q: Queryable, input: PaymentInput): Promise<RecordedPayment> {
  await lockCustomerOf(q, 'invoice', input.invoiceId);
  const invoice = await lockInvoice(q, input.invoiceId);
  assertCurrencyMatches(input.currency, invoice.currency, 'currency', `invoice ${invoice.id}`);
  if (input.providerReference !== null) {
    const existing = await findByReference(q, input.provider, input.providerReference);
    if (existing) throw alreadyRecorded(existing);
  }
  const { applied, credited } = splitPayment(input.amountMinor, invoice.amountDueMinor);
  const id = newId('pay');
  const journalId = await post(
    q,
    paymentReceived({
      customerId: invoice.customerId,
      currency: invoice.currency,
      documentId: id,
      memo: `Payment ${id} on ${invoice.id}`,
      appliedMinor: applied,
      creditedMinor: credited,
    }),
    input.now,
  );
  const { rows } = await q.query<PaymentRow>(
    `INSERT INTO payments (id, customer_id, invoice_id, currency, amount_minor, applied_minor, credited_minor, method,
                           provider, provider_reference, note, received_at, recorded_at, recorded_by, journal_transaction_id)
     VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint, $7::bigint, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (provider, provider_reference) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      id,
      invoice.customerId,
      invoice.id,
      invoice.currency,
      input.amountMinor.toString(),
      applied.toString(),
      credited.toString(),
      input.method,
      input.provider,
      input.providerReference,
      input.note,
      ts(input.receivedAt),
      ts(input.now),
      input.recordedBy,
      journalId,
    ],
  );
  if (!rows[0]) {
    // A concurrent call recorded the same provider event first; its transaction has committed.
    throw alreadyRecorded((await findByReference(q, input.provider, input.providerReference!))!);
  }
  let updated = applied > 0n ? await addPayment(q, invoice.id, applied, input.now) : invoice;
  let creditApplications: CreditApplication[] = [];
  if (credited > 0n) {
    await insertLot(q, {
      customerId: invoice.customerId,
      currency: invoice.currency,
      source: 'overpayment',
      amountMinor: credited,
      reason: `Overpayment on ${invoice.id}`,
      expiresAt: null,
      grantedBy: null,
      paymentId: id,
      invoiceId: invoice.id,
      journalTransactionId: journalId,
      now: input.now,
    });
    creditApplications = await applyCreditToOpenInvoices(q, invoice.customerId, invoice.currency, input.now);
    updated = (await getInvoice(q, invoice.id))!;
  }
  return { payment: toPayment(rows[0]), invoice: updated, creditApplications };
}

export async function getPayment(q: Queryable, id: string): Promise<Payment | undefined> {
  const { rows } = await q.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE id = $1`, [id]);
  return rows[0] ? toPayment(rows[0]) : undefined;
}

function notFound(id: string): ToolError {
  return new ToolError('not_found', `payment_id: no payment '${id}'.`, {
    hint: "Payment ids look like pay_…; get_customer_billing_summary lists a customer's recent payments.",
    details: { field: 'payment_id', value: id },
  });
}

export async function requirePayment(q: Queryable, id: string): Promise<Payment> {
  const payment = await getPayment(q, id);
  if (!payment) throw notFound(id);
  return payment;
}

/** The payment, row-locked: refunds on one payment queue here, so they cannot overtake each other. */
export async function lockPayment(q: Queryable, id: string): Promise<Payment> {
  const { rows } = await q.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE id = $1 FOR UPDATE`, [
    id,
  ]);
  if (!rows[0]) throw notFound(id);
  return toPayment(rows[0]);
}

export async function recentPayments(q: Queryable, customerId: string, limit: number): Promise<Payment[]> {
  const { rows } = await q.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM payments WHERE customer_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2`,
    [customerId, limit],
  );
  return rows.map(toPayment);
}

export async function paymentsForInvoice(q: Queryable, invoiceId: string): Promise<Payment[]> {
  const { rows } = await q.query<PaymentRow>(
    `SELECT ${COLUMNS} FROM payments WHERE invoice_id = $1 ORDER BY received_at, id`,
    [invoiceId],
  );
  return rows.map(toPayment);
}
