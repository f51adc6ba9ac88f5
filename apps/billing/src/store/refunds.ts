import { ToolError, type Queryable } from '@bounded/core';
import { refundIssued } from '../domain/journal.js';
import { formatMoney } from '../domain/money.js';
import { isoDate } from '../domain/periods.js';
import {
  checkDailyCap,
  checkRefundAmount,
  confirmationReasons,
  splitRefund,
  type RefundPolicy,
} from '../domain/refund-policy.js';
import { assertCurrencyMatches } from './currencies.js';
import { lockOverpaymentLot, takeForRefund } from './credits.js';
import { newId } from './ids.js';
import { post } from './ledger.js';
import { lockCustomerOf } from './locks.js';
import { getPayment, lockPayment, type Payment } from './payments.js';
import { rfc3339, ts } from './sql-time.js';

export interface Refund {
  id: string;
  paymentId: string;
  customerId: string;
  currency: string;
  amountMinor: bigint;
  fromCreditMinor: bigint;
  reason: string;
  operatorId: string;
  createdAt: string;
}

interface RefundRow {
  id: string;
  payment_id: string;
  customer_id: string;
  currency: string;
  amount_minor: string;
  from_credit_minor: string;
  reason: string;
  operator_id: string;
  created_at: string;
}

const COLUMNS = `id, payment_id, customer_id, currency, amount_minor, from_credit_minor, reason, operator_id, ${rfc3339('created_at')} AS created_at`;

function toRefund(r: RefundRow): Refund {
  return {
    id: r.id,
    paymentId: r.payment_id,
    customerId: r.customer_id,
    currency: r.currency,
    amountMinor: BigInt(r.amount_minor),
    fromCreditMinor: BigInt(r.from_credit_minor),
    reason: r.reason,
    operatorId: r.operator_id,
    createdAt: r.created_at,
  };
}

export interface RefundRequest {
  paymentId: string;
  currency: string;
  /** Omitted: everything still refundable. */
  amountMinor: bigint | undefined;
  operatorId: string;
  now: Date;
  policy: RefundPolicy;
}

function amountOrThrow(payment: Payment, requestedMinor: bigint | undefined): bigint {
  const check = checkRefundAmount({
    requestedMinor,
    capturedMinor: payment.amountMinor,
    refundedMinor: payment.refundedMinor,
  });
  if (check.ok) return check.amountMinor;
  const captured = formatMoney(payment.amountMinor, payment.currency);
  if (check.reason === 'fully_refunded') {
    throw new ToolError(
      'precondition_failed',
      `Payment ${payment.id} is already fully refunded (${captured}).`,
      {
        hint: 'Nothing is left to refund on this payment.',
        details: {
          payment_id: payment.id,
          captured_minor: Number(payment.amountMinor),
          refunded_minor: Number(payment.refundedMinor),
        },
      },
    );
  }
  const left = formatMoney(check.refundableMinor, payment.currency);
  throw new ToolError(
    'precondition_failed',
    `The refund exceeds what is left on payment ${payment.id}: captured ${captured}, refundable ${left}.`,
    {
      hint: `Refund at most ${check.refundableMinor} minor units (${left}), or omit amount_minor to refund all of it.`,
      details: {
        payment_id: payment.id,
        refundable_minor: Number(check.refundableMinor),
        requested_minor: requestedMinor === undefined ? null : Number(requestedMinor),
      },
    },
  );
}

function capOrThrow(
  policy: RefundPolicy,
  currency: string,
  refundedTodayMinor: bigint,
  amountMinor: bigint,
): void {
  const cap = checkDailyCap(policy, currency, refundedTodayMinor, amountMinor);
  if (cap.allowed) return;
  throw new ToolError(
    'precondition_failed',
    `The refund would exceed your daily refund cap of ${formatMoney(cap.capMinor, currency)}; ${formatMoney(cap.remainingMinor, currency)} is left today (UTC).`,
    {
      hint: 'Refund at most the amount left today, or ask an operator with remaining cap (or finance) to issue it. The cap resets at 00:00 UTC.',
      details: {
        cap_minor: Number(cap.capMinor),
        remaining_today_minor: Number(cap.remainingMinor),
        requested_minor: Number(amountMinor),
      },
      // Refused today, allowed after the reset: a retry with the same key must run again, not replay this.
      transient: true,
    },
  );
}

/**
 * The operator's refunds today in this currency, row-locked (the row is created at 0 if need be),
 * so the operator's other refunds wait until this one commits or rolls back.
 */
async function lockRefundedToday(
  q: Queryable,
  operatorId: string,
  currency: string,
  now: Date,
): Promise<bigint> {
  const { rows } = await q.query<{ total_minor: string }>(
    `INSERT INTO refund_daily_totals (operator_id, day, currency, total_minor) VALUES ($1, $2::date, $3, 0)
     ON CONFLICT (operator_id, day, currency) DO UPDATE SET total_minor = refund_daily_totals.total_minor
     RETURNING total_minor`,
    [operatorId, isoDate(now), currency],
  );
  return BigInt(rows[0]!.total_minor);
}

export interface RefundPlan {
  payment: Payment;
  customerName: string;
  amountMinor: bigint;
  /** Present when the person must confirm: the totals this refund takes over the threshold. */
  confirmation: { onPaymentMinor?: bigint; byOperatorTodayMinor?: bigint } | undefined;
}

/**
 * Checks a refund before anything is written, so the person is only asked to confirm a refund
 * that can go through. It takes the locks `issueRefund` takes, in the same order (the customer,
 * the payment, the operator's daily total), and holds them: the totals it counts toward the
 * confirmation threshold cannot change before the refund is written in the same transaction.
 */
export async function planRefund(q: Queryable, request: RefundRequest): Promise<RefundPlan> {
  await lockCustomerOf(q, 'payment', request.paymentId);
  const payment = await lockPayment(q, request.paymentId);
  assertCurrencyMatches(request.currency, payment.currency, 'currency', `payment ${payment.id}`);
  const amountMinor = amountOrThrow(payment, request.amountMinor);
  const refundedToday = await lockRefundedToday(q, request.operatorId, payment.currency, request.now);
  capOrThrow(request.policy, payment.currency, refundedToday, amountMinor);
  const { rows } = await q.query<{ name: string }>('SELECT name FROM customers WHERE id = $1', [
    payment.customerId,
  ]);
  return {
    payment,
    customerName: rows[0]?.name ?? payment.customerId,
    amountMinor,
    confirmation: confirmationReasons(request.policy, payment.currency, amountMinor, {
      onPaymentMinor: payment.refundedMinor,
      byOperatorTodayMinor: refundedToday,
    }),
  };
}

/**
 * Issues the refund. Lock order (store/locks.ts): the customer, the payment row (concurrent refunds
 * on it queue here and see each other's totals), the operator's daily total (concurrent refunds by
 * one operator queue there), the payment's overpayment credit, then the accounts.
 */
export async function issueRefund(
  q: Queryable,
  request: RefundRequest & { amountMinor: bigint; reason: string },
): Promise<{ refund: Refund; payment: Payment; refundedTodayMinor: bigint }> {
  await lockCustomerOf(q, 'payment', request.paymentId);
  const payment = await lockPayment(q, request.paymentId);
  const amountMinor = amountOrThrow(payment, request.amountMinor);
  const { rows: totals } = await q.query<{ total_minor: string }>(
    `INSERT INTO refund_daily_totals (operator_id, day, currency, total_minor) VALUES ($1, $2::date, $3, $4::bigint)
     ON CONFLICT (operator_id, day, currency) DO UPDATE SET total_minor = refund_daily_totals.total_minor + EXCLUDED.total_minor
     RETURNING total_minor`,
    [request.operatorId, isoDate(request.now), payment.currency, amountMinor.toString()],
  );
  const refundedTodayMinor = BigInt(totals[0]!.total_minor);
  capOrThrow(request.policy, payment.currency, refundedTodayMinor - amountMinor, amountMinor);

  const lot = await lockOverpaymentLot(q, payment.id);
  const { fromCredit, fromRevenue } = splitRefund(amountMinor, lot?.remainingMinor ?? 0n);
  const id = newId('re');
  const journalId = await post(
    q,
    refundIssued({
      customerId: payment.customerId,
      currency: payment.currency,
      documentId: id,
      memo: `Refund ${id} on ${payment.id}: ${request.reason}`,
      fromCreditMinor: fromCredit,
      fromRevenueMinor: fromRevenue,
    }),
    request.now,
  );
  if (lot && fromCredit > 0n) await takeForRefund(q, lot.id, fromCredit);
  const { rows } = await q.query<RefundRow>(
    `INSERT INTO refunds (id, payment_id, customer_id, currency, amount_minor, from_credit_minor, reason, operator_id, created_at, journal_transaction_id)
     VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
    [
      id,
      payment.id,
      payment.customerId,
      payment.currency,
      amountMinor.toString(),
      fromCredit.toString(),
      request.reason,
      request.operatorId,
      ts(request.now),
      journalId,
    ],
  );
  return { refund: toRefund(rows[0]!), payment: (await getPayment(q, payment.id))!, refundedTodayMinor };
}

export async function recentRefunds(q: Queryable, customerId: string, limit: number): Promise<Refund[]> {
  const { rows } = await q.query<RefundRow>(
    `SELECT ${COLUMNS} FROM refunds WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [customerId, limit],
  );
  return rows.map(toRefund);
}

export async function refundsForPayments(q: Queryable, paymentIds: string[]): Promise<Refund[]> {
  if (paymentIds.length === 0) return [];
  const { rows } = await q.query<RefundRow>(
    `SELECT ${COLUMNS} FROM refunds WHERE payment_id = ANY($1::text[]) ORDER BY created_at, id`,
    [paymentIds],
  );
  return rows.map(toRefund);
}
