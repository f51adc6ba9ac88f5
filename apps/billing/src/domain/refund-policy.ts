import { formatMoney, minBigint } from './money.js';

/**
 * An amount limit in minor units: one default plus per-currency overrides. The default is read in
 * each currency's own minor units (50000 is USD 500.00 but JPY 50000 and KWD 50.000), so list every
 * currency whose minor unit is worth much more or less than a cent.
 */
export interface AmountLimit {
  defaultMinor: bigint;
  byCurrency: Readonly<Record<string, bigint>>;
}

export interface RefundPolicy {
  /** Refunds above this amount need the person's explicit confirmation. */
  confirmAbove: AmountLimit;
  /** Most one operator may refund per UTC day, per currency. */
  dailyCap: AmountLimit;
}

export function limitFor(limit: AmountLimit, currency: string): bigint {
  return limit.byCurrency[currency] ?? limit.defaultMinor;
}

export type RefundAmountCheck =
  | { ok: true; amountMinor: bigint; refundableMinor: bigint }
  | { ok: false; reason: 'fully_refunded' | 'exceeds_refundable'; refundableMinor: bigint };

/** The amount to refund: the request, or everything still refundable when none is given. */
export function checkRefundAmount(input: {
  requestedMinor: bigint | undefined;
  capturedMinor: bigint;
  refundedMinor: bigint;
}): RefundAmountCheck {
  const refundableMinor = input.capturedMinor - input.refundedMinor;
  if (refundableMinor <= 0n) return { ok: false, reason: 'fully_refunded', refundableMinor: 0n };
  const amountMinor = input.requestedMinor ?? refundableMinor;
  if (amountMinor > refundableMinor) return { ok: false, reason: 'exceeds_refundable', refundableMinor };
  return { ok: true, amountMinor, refundableMinor };
}

/** What was refunded before this refund, counted toward the confirmation threshold. */
export interface RefundedBefore {
  /** On the same payment, ever. */
  onPaymentMinor: bigint;
  /** By the same operator today (UTC), in this currency. */
  byOperatorTodayMinor: bigint;
}

/**
 * Which totals a refund would take over the confirmation threshold: the payment's refunds, or the
 * operator's refunds today. Counting totals, not single calls, means a large refund split into
 * small ones is asked about as soon as the parts add up to more than the threshold.
 */
export function confirmationReasons(
  policy: RefundPolicy,
  currency: string,
  amountMinor: bigint,
  before: RefundedBefore,
): { onPaymentMinor?: bigint; byOperatorTodayMinor?: bigint } | undefined {
  const threshold = limitFor(policy.confirmAbove, currency);
  const onPayment = before.onPaymentMinor + amountMinor;
  const today = before.byOperatorTodayMinor + amountMinor;
  if (onPayment <= threshold && today <= threshold) return undefined;
  return {
    ...(onPayment > threshold ? { onPaymentMinor: onPayment } : {}),
    ...(today > threshold ? { byOperatorTodayMinor: today } : {}),
  };
}

export interface CapCheck {
  allowed: boolean;
  capMinor: bigint;
  /** What the operator may still refund today in this currency, before this refund. */
  remainingMinor: bigint;
}

export function checkDailyCap(
  policy: RefundPolicy,
  currency: string,
  refundedTodayMinor: bigint,
  amountMinor: bigint,
): CapCheck {
  const capMinor = limitFor(policy.dailyCap, currency);
  const remainingMinor = capMinor > refundedTodayMinor ? capMinor - refundedTodayMinor : 0n;
  return { allowed: amountMinor <= remainingMinor, capMinor, remainingMinor };
}

/**
 * A refund first takes back what is still unused of the payment's own overpayment credit (so an
 * overpayment cannot be refunded in cash and spent as credit too); the rest reduces revenue.
 */
export function splitRefund(
  amountMinor: bigint,
  overpaymentCreditLeftMinor: bigint,
): { fromCredit: bigint; fromRevenue: bigint } {
  const fromCredit = minBigint(
    amountMinor,
    overpaymentCreditLeftMinor > 0n ? overpaymentCreditLeftMinor : 0n,
  );
  return { fromCredit, fromRevenue: amountMinor - fromCredit };
}

/** The question put to the person before a large refund, with the totals that made it large. */
export function confirmationMessage(input: {
  amountMinor: bigint;
  currency: string;
  paymentId: string;
  customerName: string;
  reason: string;
  /** Totals over the threshold (from confirmationReasons) that this refund is only part of. */
  totals?: { onPaymentMinor?: bigint; byOperatorTodayMinor?: bigint };
}): string {
  const money = (amount: bigint) => formatMoney(amount, input.currency);
  const totals = input.totals ?? {};
  const parts = [`Refund ${money(input.amountMinor)} on ${input.paymentId} to ${input.customerName}?`];
  if (totals.onPaymentMinor !== undefined && totals.onPaymentMinor > input.amountMinor)
    parts.push(`Refunds on this payment would total ${money(totals.onPaymentMinor)}.`);
  if (totals.byOperatorTodayMinor !== undefined && totals.byOperatorTodayMinor > input.amountMinor)
    parts.push(`Your refunds today would total ${money(totals.byOperatorTodayMinor)}.`);
  parts.push(`Reason: ${input.reason}`);
  return parts.join(' ');
}
