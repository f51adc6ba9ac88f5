import { exponentOf } from './currencies.js';

/** An amount in integer minor units of an ISO 4217 currency. */
export interface Money {
  amount: bigint;
  currency: string;
}

/** `formatMoney(12345n, 'USD')` → `USD 123.45`; `KWD 1.234`; `JPY 1234`; negatives as `USD -1.50`. */
export function formatMoney(amount: bigint, currency: string): string {
  const exponent = exponentOf(currency);
  const sign = amount < 0n ? '-' : '';
  const digits = (amount < 0n ? -amount : amount).toString();
  if (exponent === 0) return `${currency} ${sign}${digits}`;
  const padded = digits.padStart(exponent + 1, '0');
  const major = padded.slice(0, -exponent);
  const minor = padded.slice(-exponent);
  return `${currency} ${sign}${major}.${minor}`;
}

/**
 * Parses a decimal amount written in major units (`"123.45"`, `"1234"`, `"-0.5"`) into minor units
 * of `currency`. More fraction digits than the currency has is an error, never a rounding.
 */
export function parseMoney(text: string, currency: string): bigint {
  const exponent = exponentOf(currency);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not a decimal amount`);
  const [, sign, major = '', fraction = ''] = match;
  if (fraction.length > exponent) {
    throw new RangeError(`${currency} has ${exponent} decimal places; "${text}" has ${fraction.length}`);
  }
  const minor = BigInt(major + fraction.padEnd(exponent, '0'));
  return sign === '-' ? -minor : minor;
}

/** Converts a validated safe integer from input into minor units. */
export function toMinor(value: number): bigint {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a safe integer`);
  return BigInt(value);
}

/** Converts minor units to a JSON number for output; amounts beyond 2^53 - 1 cannot be represented. */
export function toNumber(amount: bigint): number {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER) || amount < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`amount ${amount} is beyond the safe integer range`);
  }
  return Number(amount);
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { amount: a.amount + b.amount, currency: a.currency };
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { amount: a.amount - b.amount, currency: a.currency };
}

export function minBigint(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function maxBigint(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new RangeError(`cannot combine ${a.currency} with ${b.currency}`);
}
