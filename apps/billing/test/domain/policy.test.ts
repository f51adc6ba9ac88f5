import { describe, expect, it } from 'vitest';
import { BillingConfig, parseAmountLimit, refundPolicyOf } from '../../src/config.js';
import { allocateCredit, displayStatus, invoiceTotals, splitPayment } from '../../src/domain/invoice.js';
import {
  checkDailyCap,
  checkRefundAmount,
  confirmationMessage,
  confirmationReasons,
  limitFor,
  splitRefund,
} from '../../src/domain/refund-policy.js';

describe('refund policy', () => {
  const policy = refundPolicyOf(BillingConfig.parse({}));

  it("reads limits per currency, with a default in each currency's own minor units", () => {
    expect(limitFor(policy.confirmAbove, 'USD')).toBe(50000n);
    expect(limitFor(policy.confirmAbove, 'JPY')).toBe(75000n);
    expect(limitFor(policy.confirmAbove, 'KWD')).toBe(150000n);
  });

  it('counts what was refunded before toward the confirmation threshold, not just this call', () => {
    const none = { onPaymentMinor: 0n, byOperatorTodayMinor: 0n };
    expect(confirmationReasons(policy, 'USD', 50000n, none)).toBeUndefined();
    expect(confirmationReasons(policy, 'USD', 50001n, none)).toEqual({
      onPaymentMinor: 50001n,
      byOperatorTodayMinor: 50001n,
    });
    // USD 500.00 already refunded on the payment, then USD 100.00 more: asked, not split around.
    expect(
      confirmationReasons(policy, 'USD', 10000n, { onPaymentMinor: 50000n, byOperatorTodayMinor: 0n }),
    ).toEqual({ onPaymentMinor: 60000n });
    // Small refunds on many payments by one operator add up too.
    expect(
      confirmationReasons(policy, 'USD', 10000n, { onPaymentMinor: 0n, byOperatorTodayMinor: 45000n }),
    ).toEqual({ byOperatorTodayMinor: 55000n });
  });

  it('checks what is left to refund', () => {
    expect(
      checkRefundAmount({ requestedMinor: undefined, capturedMinor: 1000n, refundedMinor: 300n }),
    ).toEqual({ ok: true, amountMinor: 700n, refundableMinor: 700n });
    expect(
      checkRefundAmount({ requestedMinor: 701n, capturedMinor: 1000n, refundedMinor: 300n }),
    ).toMatchObject({ ok: false, reason: 'exceeds_refundable' });
    expect(
      checkRefundAmount({ requestedMinor: undefined, capturedMinor: 1000n, refundedMinor: 1000n }),
    ).toMatchObject({ ok: false, reason: 'fully_refunded' });
  });

  it('caps what one operator refunds per day', () => {
    expect(checkDailyCap(policy, 'USD', 400000n, 100000n)).toEqual({
      allowed: true,
      capMinor: 500000n,
      remainingMinor: 100000n,
    });
    expect(checkDailyCap(policy, 'USD', 400000n, 100001n).allowed).toBe(false);
    expect(checkDailyCap(policy, 'USD', 600000n, 1n).remainingMinor).toBe(0n);
  });

  it('takes a refund from unused overpayment credit first', () => {
    expect(splitRefund(1500n, 1100n)).toEqual({ fromCredit: 1100n, fromRevenue: 400n });
    expect(splitRefund(500n, 1100n)).toEqual({ fromCredit: 500n, fromRevenue: 0n });
    expect(splitRefund(500n, 0n)).toEqual({ fromCredit: 0n, fromRevenue: 500n });
  });

  it('asks a readable question', () => {
    expect(
      confirmationMessage({
        amountMinor: 60000n,
        currency: 'USD',
        paymentId: 'pay_1',
        customerName: 'Acme',
        reason: 'Double charge',
      }),
    ).toBe('Refund USD 600.00 on pay_1 to Acme? Reason: Double charge');
    expect(
      confirmationMessage({
        amountMinor: 10000n,
        currency: 'USD',
        paymentId: 'pay_1',
        customerName: 'Acme',
        reason: 'Second part',
        totals: { onPaymentMinor: 60000n },
      }),
    ).toBe(
      'Refund USD 100.00 on pay_1 to Acme? Refunds on this payment would total USD 600.00. Reason: Second part',
    );
  });
});

describe('config', () => {
  it('parses a default and per-currency overrides', () => {
    expect(parseAmountLimit('100, JPY:200,KWD:3000')).toEqual({
      defaultMinor: 100n,
      byCurrency: { JPY: 200n, KWD: 3000n },
    });
    expect(() => parseAmountLimit('JPY:200')).toThrow(/default amount/);
    expect(() => parseAmountLimit('100,XXX:5')).toThrow(/unknown currency XXX/);
    expect(() => parseAmountLimit('1.5')).toThrow();
  });

  it('names the variable when a value is bad', () => {
    const result = BillingConfig.safeParse({ BILLING_DAILY_REFUND_CAP_MINOR: 'lots' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('BILLING_DAILY_REFUND_CAP_MINOR');
    expect(BillingConfig.parse({ BILLING_PAYMENT_TERMS_DAYS: '30' }).BILLING_PAYMENT_TERMS_DAYS).toBe(30);
  });
});

describe('invoice rules', () => {
  it('totals lines and never bills below zero', () => {
    const lines = [
      { kind: 'proration_credit' as const, description: 'a', quantity: 1, unitAmountMinor: -2100n },
      { kind: 'proration_charge' as const, description: 'b', quantity: 1, unitAmountMinor: 700n },
    ];
    expect(invoiceTotals(lines)).toEqual({
      chargesMinor: 700n,
      creditsMinor: 2100n,
      subtotalMinor: -1400n,
      totalMinor: 0n,
    });
    expect(
      invoiceTotals([{ kind: 'charge', description: 'c', quantity: 3, unitAmountMinor: 250n }]).totalMinor,
    ).toBe(750n);
  });

  it('settles the amount due first, then credits the rest', () => {
    expect(splitPayment(6000n, 4900n)).toEqual({ applied: 4900n, credited: 1100n });
    expect(splitPayment(2000n, 4900n)).toEqual({ applied: 2000n, credited: 0n });
    expect(splitPayment(2000n, 0n)).toEqual({ applied: 0n, credited: 2000n });
  });

  it('allocates credit in the order given until the amount due is covered', () => {
    expect(
      allocateCredit(
        [
          { id: 'a', remainingMinor: 300n },
          { id: 'b', remainingMinor: 500n },
        ],
        600n,
      ),
    ).toEqual([
      { lotId: 'a', amountMinor: 300n },
      { lotId: 'b', amountMinor: 300n },
    ]);
    expect(allocateCredit([{ id: 'a', remainingMinor: 300n }], 0n)).toEqual([]);
  });

  it('reads overdue before partially paid', () => {
    const now = new Date('2026-03-10T00:00:00Z');
    expect(displayStatus({ amountDueMinor: 0n, totalMinor: 100n, dueAt: new Date('2026-01-01') }, now)).toBe(
      'paid',
    );
    expect(displayStatus({ amountDueMinor: 50n, totalMinor: 100n, dueAt: new Date('2026-03-01') }, now)).toBe(
      'overdue',
    );
    expect(displayStatus({ amountDueMinor: 50n, totalMinor: 100n, dueAt: new Date('2026-03-20') }, now)).toBe(
      'partially_paid',
    );
    expect(
      displayStatus({ amountDueMinor: 100n, totalMinor: 100n, dueAt: new Date('2026-03-20') }, now),
    ).toBe('open');
  });
});
