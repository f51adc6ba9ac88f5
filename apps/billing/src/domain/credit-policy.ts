import { formatMoney } from './money.js';
import { limitFor, type AmountLimit } from './refund-policy.js';

/** Limits on account credit one operator may give away; credit settles invoices, so it is money. */
export interface CreditPolicy {
  /** Grants that bring the operator's grants today above this need the person's confirmation. */
  confirmAbove: AmountLimit;
  /** The most one grant may give. */
  perGrantCap: AmountLimit;
  /** The most one operator may grant per UTC day, per currency. */
  dailyCap: AmountLimit;
}

export type CreditGrantCheck =
  | { ok: true; grantedTodayAfterMinor: bigint; needsConfirmation: boolean }
  | { ok: false; limit: 'per_grant' | 'daily'; capMinor: bigint; allowedMinor: bigint };

/**
 * Checks a grant against the caps and says whether the person must confirm it. Like refunds, the
 * threshold counts the operator's grants today, so many small grants cannot add up unasked.
 */
export function checkCreditGrant(
  policy: CreditPolicy,
  currency: string,
  amountMinor: bigint,
  grantedTodayMinor: bigint,
): CreditGrantCheck {
  const perGrant = limitFor(policy.perGrantCap, currency);
  if (amountMinor > perGrant)
    return { ok: false, limit: 'per_grant', capMinor: perGrant, allowedMinor: perGrant };
  const daily = limitFor(policy.dailyCap, currency);
  const left = daily > grantedTodayMinor ? daily - grantedTodayMinor : 0n;
  if (amountMinor > left) return { ok: false, limit: 'daily', capMinor: daily, allowedMinor: left };
  const after = grantedTodayMinor + amountMinor;
  return {
    ok: true,
    grantedTodayAfterMinor: after,
    needsConfirmation: after > limitFor(policy.confirmAbove, currency),
  };
}

/** The question put to the person before a large grant. */
export function creditConfirmationMessage(input: {
  amountMinor: bigint;
  currency: string;
  customerName: string;
  reason: string;
  grantedTodayAfterMinor: bigint;
  settlesOpenInvoices: boolean;
}): string {
  const money = (amount: bigint) => formatMoney(amount, input.currency);
  const parts = [`Grant ${money(input.amountMinor)} of account credit to ${input.customerName}?`];
  if (input.grantedTodayAfterMinor > input.amountMinor)
    parts.push(`Your credit grants today would total ${money(input.grantedTodayAfterMinor)}.`);
  if (input.settlesOpenInvoices) parts.push('It settles their open invoices at once.');
  parts.push(`Reason: ${input.reason}`);
  return parts.join(' ');
}
