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

export function needsConfirmation(policy: RefundPolicy, currency: string, amountMinor: bigint): boolean {
  return amountMinor > limitFor(policy.confirmAbove, currency);
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

/** The question put to the person before a large refund. */
export function confirmationMessage(input: {
  amountMinor: bigint;
  currency: string;
  paymentId: string;
  customerName: string;
  reason: string;
}): string {
  return `Refund ${formatMoney(input.amountMinor, input.currency)} on ${input.paymentId} to ${input.customerName}? Reason: ${input.reason}`;
}
