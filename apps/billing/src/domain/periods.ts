/** Billing periods run from UTC midnight to UTC midnight; proration counts whole UTC days. */
export type BillingInterval = 'month' | 'year';

const DAY_MS = 86_400_000;

export function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

/** Whole UTC calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: Date, to: Date): number {
  return Math.round((startOfUtcDay(to).getTime() - startOfUtcDay(from).getTime()) / DAY_MS);
}

/**
 * One interval after `start`, on the anchor day of month (by default `start`'s own day) where that
 * month has it and on its last day otherwise: Jan 31 + 1 month = Feb 28 or 29, and Feb 28 + 1 month
 * anchored on the 31st = Mar 31; Feb 29 + 1 year = Feb 28.
 */
export function addInterval(
  start: Date,
  interval: BillingInterval,
  anchorDay: number = start.getUTCDate(),
): Date {
  const months = interval === 'month' ? 1 : 12;
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(anchorDay, lastDay);
  return new Date(
    Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds()),
  );
}

/** The UTC calendar day, `2026-03-10`: in line descriptions, and as the refund cap's day. */
export function isoDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}
