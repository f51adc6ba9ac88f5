import { addInterval, daysBetween, isoDate, startOfUtcDay, type BillingInterval } from './periods.js';

export interface PlanTerms {
  id: string;
  name: string;
  currency: string;
  priceMinor: bigint;
  interval: BillingInterval;
}

export interface ProrationLine {
  kind: 'proration_credit' | 'proration_charge';
  description: string;
  /** Negative for the credit on the old plan. */
  amountMinor: bigint;
  periodStart: Date;
  periodEnd: Date;
}

export interface PlanChangeQuote {
  lines: ProrationLine[];
  /** Sum of the lines: positive is owed by the customer, negative becomes account credit. */
  netMinor: bigint;
  remainingDays: number;
  periodDays: number;
  /** The subscription's period after the change (a new cycle when the interval changes). */
  newPeriodStart: Date;
  newPeriodEnd: Date;
}

/**
 * `price × days ÷ periodDays`, rounded to the nearest minor unit with halves rounded up, in exact
 * integer arithmetic: floor((2·price·days + periodDays) ÷ (2·periodDays)). The same rule applies to
 * the credit and the charge, so a change to an equally priced plan nets to exactly zero.
 */
export function prorate(priceMinor: bigint, days: number, periodDays: number): bigint {
  if (periodDays <= 0) throw new RangeError('a billing period has at least one day');
  if (days < 0 || days > periodDays) throw new RangeError(`days ${days} outside 0..${periodDays}`);
  const d = BigInt(days);
  const p = BigInt(periodDays);
  return (2n * priceMinor * d + p) / (2n * p);
}

/**
 * Prices an immediate plan change, day by day. The day of the change counts as remaining, so a
 * change on the first day of a period credits the whole old price.
 * - Same interval: the period is kept; the unused days of the old plan are credited and the same
 *   days of the new plan charged.
 * - Different interval (monthly ↔ yearly): a new period starts today; the unused days of the old
 *   plan are credited and a full period of the new plan is charged.
 */
export function quotePlanChange(input: {
  current: PlanTerms;
  next: PlanTerms;
  periodStart: Date;
  periodEnd: Date;
  at: Date;
}): PlanChangeQuote {
  const { current, next, periodStart, periodEnd } = input;
  if (current.currency !== next.currency) throw new RangeError('a plan change keeps the currency');
  const today = startOfUtcDay(input.at);
  const periodDays = daysBetween(periodStart, periodEnd);
  const remainingDays = Math.max(0, Math.min(periodDays, daysBetween(today, periodEnd)));
  const from = today < periodStart ? periodStart : today;
  const lines: ProrationLine[] = [];

  const credit = prorate(current.priceMinor, remainingDays, periodDays);
  if (credit > 0n) {
    lines.push({
      kind: 'proration_credit',
      description: `Unused time on ${current.name}, ${isoDate(from)} to ${isoDate(periodEnd)} (${remainingDays} of ${periodDays} days)`,
      amountMinor: -credit,
      periodStart: from,
      periodEnd,
    });
  }

  const sameInterval = current.interval === next.interval;
  const newPeriodStart = sameInterval ? periodStart : today;
  const newPeriodEnd = sameInterval ? periodEnd : addInterval(today, next.interval);
  const charge = sameInterval ? prorate(next.priceMinor, remainingDays, periodDays) : next.priceMinor;
  if (charge > 0n) {
    const days = sameInterval ? `${remainingDays} of ${periodDays} days` : `full ${next.interval}`;
    lines.push({
      kind: 'proration_charge',
      description: `Remaining time on ${next.name}, ${isoDate(from)} to ${isoDate(newPeriodEnd)} (${days})`,
      amountMinor: charge,
      periodStart: from,
      periodEnd: newPeriodEnd,
    });
  }

  const netMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0n);
  return { lines, netMinor, remainingDays, periodDays, newPeriodStart, newPeriodEnd };
}
