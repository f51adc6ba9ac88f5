import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addInterval, daysBetween } from '../../src/domain/periods.js';
import { prorate, quotePlanChange, type PlanTerms } from '../../src/domain/proration.js';

const basic: PlanTerms = {
  id: 'plan_basic',
  name: 'Basic',
  currency: 'USD',
  priceMinor: 3100n,
  interval: 'month',
};
const pro: PlanTerms = { id: 'plan_pro', name: 'Pro', currency: 'USD', priceMinor: 9300n, interval: 'month' };
const proYearly: PlanTerms = {
  id: 'plan_pro_yearly',
  name: 'Pro yearly',
  currency: 'USD',
  priceMinor: 93000n,
  interval: 'year',
};
const march = { periodStart: new Date('2026-03-01T00:00:00Z'), periodEnd: new Date('2026-04-01T00:00:00Z') };

describe('prorate', () => {
  it('rounds to the nearest minor unit, halves up', () => {
    expect(prorate(1000n, 22, 31)).toBe(710n); // 709.68
    expect(prorate(1000n, 10, 31)).toBe(323n); // 322.58
    expect(prorate(1n, 1, 2)).toBe(1n); // 0.5
    expect(prorate(3n, 1, 2)).toBe(2n); // 1.5
    expect(prorate(5n, 1, 3)).toBe(2n); // 1.67
    expect(prorate(7500n, 31, 31)).toBe(7500n);
    expect(prorate(7500n, 0, 31)).toBe(0n);
  });

  it('never leaves the range 0..price and is monotone in days', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.integer({ min: 1, max: 366 }),
        fc.integer({ min: 0, max: 365 }),
        (price, period, d) => {
          const days = Math.min(d, period);
          const amount = prorate(price, days, period);
          expect(amount >= 0n && amount <= price).toBe(true);
          if (days < period) expect(prorate(price, days + 1, period) >= amount).toBe(true);
          // Within half a minor unit of the exact value.
          const exactTimes2p = 2n * price * BigInt(days);
          const diff = 2n * amount * BigInt(period) - exactTimes2p;
          expect(diff >= -BigInt(period) && diff <= BigInt(period)).toBe(true);
        },
      ),
    );
  });
});

describe('quotePlanChange', () => {
  it('upgrades mid-period: credit for unused days of the old plan, charge for the same days of the new', () => {
    const quote = quotePlanChange({
      current: basic,
      next: pro,
      ...march,
      at: new Date('2026-03-10T15:30:00Z'),
    });
    expect(quote.periodDays).toBe(31);
    expect(quote.remainingDays).toBe(22);
    expect(quote.lines).toEqual([
      expect.objectContaining({
        kind: 'proration_credit',
        amountMinor: -2200n,
        description: 'Unused time on Basic, 2026-03-10 to 2026-04-01 (22 of 31 days)',
      }),
      expect.objectContaining({
        kind: 'proration_charge',
        amountMinor: 6600n,
        description: 'Remaining time on Pro, 2026-03-10 to 2026-04-01 (22 of 31 days)',
      }),
    ]);
    expect(quote.netMinor).toBe(4400n);
    expect(quote.newPeriodStart).toEqual(march.periodStart);
    expect(quote.newPeriodEnd).toEqual(march.periodEnd);
  });

  it('downgrades to a negative net, which the caller turns into account credit', () => {
    const quote = quotePlanChange({
      current: pro,
      next: basic,
      ...march,
      at: new Date('2026-03-25T00:00:00Z'),
    });
    expect(quote.remainingDays).toBe(7);
    expect(quote.lines.map((l) => l.amountMinor)).toEqual([-2100n, 700n]);
    expect(quote.netMinor).toBe(-1400n);
  });

  it('credits the whole old price on the first day of the period', () => {
    const quote = quotePlanChange({
      current: basic,
      next: pro,
      ...march,
      at: new Date('2026-03-01T08:00:00Z'),
    });
    expect(quote.lines.map((l) => l.amountMinor)).toEqual([-3100n, 9300n]);
  });

  it('starts a new period today when the interval changes, charging it in full', () => {
    const quote = quotePlanChange({
      current: basic,
      next: proYearly,
      ...march,
      at: new Date('2026-03-10T09:00:00Z'),
    });
    expect(quote.lines.map((l) => [l.kind, l.amountMinor])).toEqual([
      ['proration_credit', -2200n],
      ['proration_charge', 93000n],
    ]);
    expect(quote.lines[1]!.description).toBe(
      'Remaining time on Pro yearly, 2026-03-10 to 2027-03-10 (full year)',
    );
    expect(quote.newPeriodStart.toISOString()).toBe('2026-03-10T00:00:00.000Z');
    expect(quote.newPeriodEnd.toISOString()).toBe('2027-03-10T00:00:00.000Z');
  });

  it('nets to exactly zero between equally priced plans, whatever the day', () => {
    const twin: PlanTerms = { ...basic, id: 'plan_twin', name: 'Twin' };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), (offset) => {
        const at = new Date(march.periodStart.getTime() + offset * 86_400_000);
        expect(quotePlanChange({ current: basic, next: twin, ...march, at }).netMinor).toBe(0n);
      }),
    );
  });

  it('refuses to change currency', () => {
    expect(() =>
      quotePlanChange({ current: basic, next: { ...pro, currency: 'EUR' }, ...march, at: march.periodStart }),
    ).toThrow(/currency/);
  });
});

describe('periods', () => {
  it('adds calendar months, clamping to the end of shorter months', () => {
    expect(addInterval(new Date('2026-01-31T00:00:00Z'), 'month').toISOString()).toBe(
      '2026-02-28T00:00:00.000Z',
    );
    expect(addInterval(new Date('2028-01-31T00:00:00Z'), 'month').toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
    expect(addInterval(new Date('2028-02-29T00:00:00Z'), 'year').toISOString()).toBe(
      '2029-02-28T00:00:00.000Z',
    );
    expect(addInterval(new Date('2026-12-15T00:00:00Z'), 'month').toISOString()).toBe(
      '2027-01-15T00:00:00.000Z',
    );
  });

  it('ends a period on the anchor day where the month has it, not on the clamped start day', () => {
    const feb28 = new Date('2026-02-28T00:00:00Z');
    expect(addInterval(feb28, 'month', 31).toISOString()).toBe('2026-03-31T00:00:00.000Z');
    expect(addInterval(new Date('2026-03-31T00:00:00Z'), 'month', 31).toISOString()).toBe(
      '2026-04-30T00:00:00.000Z',
    );
    expect(addInterval(new Date('2029-02-28T00:00:00Z'), 'year', 29).toISOString()).toBe(
      '2030-02-28T00:00:00.000Z',
    );
    expect(addInterval(new Date('2031-02-28T00:00:00Z'), 'year', 29).toISOString()).toBe(
      '2032-02-29T00:00:00.000Z',
    );
  });

  it('counts whole UTC days', () => {
    expect(daysBetween(new Date('2026-03-01T23:59:00Z'), new Date('2026-03-02T00:01:00Z'))).toBe(1);
    expect(daysBetween(new Date('2026-03-01T00:00:00Z'), new Date('2026-04-01T00:00:00Z'))).toBe(31);
  });
});
