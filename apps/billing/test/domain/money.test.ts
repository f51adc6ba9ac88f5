import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CURRENCY_EXPONENTS } from '../../src/domain/currencies.js';
import {
  addMoney,
  formatMoney,
  parseMoney,
  subtractMoney,
  toMinor,
  toNumber,
} from '../../src/domain/money.js';

describe('formatMoney', () => {
  it('writes each currency with its own exponent', () => {
    expect(formatMoney(12345n, 'USD')).toBe('USD 123.45');
    expect(formatMoney(1234n, 'KWD')).toBe('KWD 1.234');
    expect(formatMoney(1234n, 'JPY')).toBe('JPY 1234');
    expect(formatMoney(5n, 'EUR')).toBe('EUR 0.05');
    expect(formatMoney(0n, 'KWD')).toBe('KWD 0.000');
    expect(formatMoney(-150n, 'USD')).toBe('USD -1.50');
    expect(formatMoney(900719925474099312n, 'USD')).toBe('USD 9007199254740993.12');
  });

  it('refuses a currency it does not know', () => {
    expect(() => formatMoney(1n, 'XYZ')).toThrow(/unknown currency/);
  });
});

describe('parseMoney', () => {
  it('reads major units into minor units exactly', () => {
    expect(parseMoney('123.45', 'USD')).toBe(12345n);
    expect(parseMoney('123.4', 'USD')).toBe(12340n);
    expect(parseMoney('7500', 'JPY')).toBe(7500n);
    expect(parseMoney('0.001', 'KWD')).toBe(1n);
    expect(parseMoney('-2', 'EUR')).toBe(-200n);
  });

  it('never rounds: more decimals than the currency has is an error', () => {
    expect(() => parseMoney('1.234', 'USD')).toThrow(/2 decimal places/);
    expect(() => parseMoney('1.5', 'JPY')).toThrow(/0 decimal places/);
    expect(() => parseMoney('1e3', 'USD')).toThrow(/not a decimal/);
  });

  it('round-trips with formatMoney in every currency', () => {
    const currencies = Object.keys(CURRENCY_EXPONENTS);
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
        fc.constantFrom(...currencies),
        (amount, currency) => {
          expect(parseMoney(formatMoney(amount, currency).slice(4), currency)).toBe(amount);
        },
      ),
    );
  });
});

describe('arithmetic', () => {
  it('adds and subtracts within one currency only', () => {
    expect(addMoney({ amount: 150n, currency: 'USD' }, { amount: 50n, currency: 'USD' })).toEqual({
      amount: 200n,
      currency: 'USD',
    });
    expect(subtractMoney({ amount: 150n, currency: 'JPY' }, { amount: 200n, currency: 'JPY' })).toEqual({
      amount: -50n,
      currency: 'JPY',
    });
    expect(() => addMoney({ amount: 1n, currency: 'USD' }, { amount: 1n, currency: 'EUR' })).toThrow(
      /USD with EUR/,
    );
  });

  it('converts only safe integers at the edges', () => {
    expect(toMinor(Number.MAX_SAFE_INTEGER)).toBe(9007199254740991n);
    expect(() => toMinor(1.5)).toThrow();
    expect(() => toMinor(2 ** 53)).toThrow();
    expect(toNumber(42n)).toBe(42);
    expect(() => toNumber(2n ** 53n)).toThrow(/safe integer/);
  });
});
