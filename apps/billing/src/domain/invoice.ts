import { minBigint } from './money.js';

export type LineKind = 'charge' | 'subscription' | 'proration_credit' | 'proration_charge';

export interface LineDraft {
  kind: LineKind;
  description: string;
  quantity: number;
  unitAmountMinor: bigint;
  periodStart?: Date;
  periodEnd?: Date;
}

export interface InvoiceTotals {
  /** Sum of the positive lines. */
  chargesMinor: bigint;
  /** Sum of the negative lines, as a positive number. */
  creditsMinor: bigint;
  subtotalMinor: bigint;
  /** What the customer is billed: never below zero (a negative subtotal becomes account credit). */
  totalMinor: bigint;
}

export function lineAmount(line: LineDraft): bigint {
  return BigInt(line.quantity) * line.unitAmountMinor;
}

export function invoiceTotals(lines: readonly LineDraft[]): InvoiceTotals {
  let chargesMinor = 0n;
  let creditsMinor = 0n;
  for (const line of lines) {
    const amount = lineAmount(line);
    if (amount >= 0n) chargesMinor += amount;
    else creditsMinor -= amount;
  }
  const subtotalMinor = chargesMinor - creditsMinor;
  return { chargesMinor, creditsMinor, subtotalMinor, totalMinor: subtotalMinor > 0n ? subtotalMinor : 0n };
}

/** A payment settles the amount due first; anything beyond it becomes account credit. */
export function splitPayment(
  amountMinor: bigint,
  amountDueMinor: bigint,
): { applied: bigint; credited: bigint } {
  const applied = minBigint(amountMinor, amountDueMinor > 0n ? amountDueMinor : 0n);
  return { applied, credited: amountMinor - applied };
}

export interface CreditLotBalance {
  id: string;
  remainingMinor: bigint;
}

/** Takes credit from lots in the order given (soonest expiry first) until `dueMinor` is covered. */
export function allocateCredit(
  lots: readonly CreditLotBalance[],
  dueMinor: bigint,
): { lotId: string; amountMinor: bigint }[] {
  const allocations: { lotId: string; amountMinor: bigint }[] = [];
  let left = dueMinor;
  for (const lot of lots) {
    if (left <= 0n) break;
    const take = minBigint(lot.remainingMinor, left);
    if (take <= 0n) continue;
    allocations.push({ lotId: lot.id, amountMinor: take });
    left -= take;
  }
  return allocations;
}

export type InvoiceDisplayStatus = 'paid' | 'overdue' | 'partially_paid' | 'open';

/** The status a person expects to read: overdue wins over partially paid. */
export function displayStatus(
  invoice: { amountDueMinor: bigint; totalMinor: bigint; dueAt: Date },
  now: Date,
): InvoiceDisplayStatus {
  if (invoice.amountDueMinor === 0n) return 'paid';
  if (invoice.dueAt.getTime() < now.getTime()) return 'overdue';
  if (invoice.amountDueMinor < invoice.totalMinor) return 'partially_paid';
  return 'open';
}
