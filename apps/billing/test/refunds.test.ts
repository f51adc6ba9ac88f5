import { ToolError } from '@bounded/core';
import { connectClient } from '@bounded/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueRefund } from '../src/tools/issue-refund.js';
import { onboardCustomer } from '../src/tools/onboard-customer.js';
import { recordPaymentTool } from '../src/tools/record-payment.js';
import { call, callError, rowCounts, setupBilling, type Billing } from './support/billing.js';
import { invariantViolations } from './support/invariants.js';
import { addTestPlans } from './support/plans.js';

// USD: confirm above USD 50.00, at most USD 200.00 per operator per day.
const ENV = { BILLING_REFUND_CONFIRM_ABOVE_MINOR: '5000', BILLING_DAILY_REFUND_CAP_MINOR: '20000' };

let b: Billing;
beforeAll(async () => {
  b = await setupBilling(ENV);
  await addTestPlans(b.db);
});
afterAll(async () => b.close());
afterEach(async () => {
  expect(await invariantViolations(b.db)).toEqual([]);
});

let seq = 0;
/** A customer on Pro (USD 93.00) who paid `amount` against the first invoice; returns the payment id. */
async function paidCustomer(
  amount = 9300,
  plan = 'plan_pro',
): Promise<{ paymentId: string; customerId: string; currency: string }> {
  seq += 1;
  const { data } = await call(b, onboardCustomer, { name: `Refund customer ${seq}`, plan_id: plan });
  const currency = data.customer.currency;
  const { data: paid } = await call(b, recordPaymentTool, {
    invoice_id: data.first_invoice!.invoice_id,
    amount_minor: amount,
    currency,
    method: 'card',
  });
  return { paymentId: paid.payment.payment_id, customerId: data.customer.customer_id, currency };
}

describe('issue_refund', () => {
  it('leaves the invoice paid: a refund does not reopen it (the billing README says so)', async () => {
    const { paymentId, customerId } = await paidCustomer();
    await call(b, issueRefund, {
      payment_id: paymentId,
      amount_minor: 1000,
      currency: 'USD',
      reason: 'Partial goodwill refund',
    });
    const { rows } = await b.db.query<{ status: string; amount_paid_minor: string }>(
      'SELECT status, amount_paid_minor::text FROM invoices WHERE customer_id = $1',
      [customerId],
    );
    expect(rows).toEqual([{ status: 'paid', amount_paid_minor: '9300' }]);
  });

  it('refunds part, then the rest, then refuses: nothing is left', async () => {
    const { paymentId } = await paidCustomer();
    const asked: string[] = [];
    const partial = await call(
      b,
      issueRefund,
      { payment_id: paymentId, amount_minor: 1000, currency: 'USD', reason: 'Outage credit' },
      { confirmations: asked, principal: 'op-a' },
    );
    expect(partial.data.refund).toMatchObject({
      amount_minor: 1000,
      from_credit_minor: 0,
      operator_id: 'op-a',
    });
    expect(partial.data.payment).toMatchObject({ refunded_minor: 1000, refundable_minor: 8300 });
    expect(asked).toEqual([]);

    const rest = await call(
      b,
      issueRefund,
      { payment_id: paymentId, currency: 'USD', reason: 'Customer cancelled' },
      { confirmations: asked, principal: 'op-a' },
    );
    expect(rest.data.refund.amount_minor).toBe(8300);
    expect(rest.data.daily_cap_remaining_minor).toBe(20000 - 9300);
    expect(asked).toEqual([
      expect.stringMatching(
        /^Refund USD 83\.00 on pay_\w+ to Refund customer \d+\? Refunds on this payment would total USD 93\.00\. Your refunds today would total USD 93\.00\. Reason: Customer cancelled$/,
      ),
    ]);

    const none = await callError(
      b,
      issueRefund,
      { payment_id: paymentId, currency: 'USD', reason: 'Again' },
      { principal: 'op-a' },
    );
    expect(none).toMatchObject({
      code: 'precondition_failed',
      message: expect.stringContaining('already fully refunded'),
    });
  });

  it('refuses more than was captured, with what is left, and writes nothing', async () => {
    const { paymentId } = await paidCustomer();
    await call(
      b,
      issueRefund,
      { payment_id: paymentId, amount_minor: 3000, currency: 'USD', reason: 'Partial' },
      { principal: 'op-b' },
    );
    const before = await rowCounts(b.db);
    const error = await callError(
      b,
      issueRefund,
      { payment_id: paymentId, amount_minor: 6301, currency: 'USD', reason: 'Too much' },
      { principal: 'op-b' },
    );
    expect(error.code).toBe('precondition_failed');
    expect(error.details).toMatchObject({ refundable_minor: 6300, requested_minor: 6301 });
    expect(error.hint).toContain('6300');
    expect(await rowCounts(b.db)).toEqual(before);
  });

  it('asks before a large refund and writes nothing when the person declines', async () => {
    const { paymentId } = await paidCustomer();
    const before = await rowCounts(b.db);
    const decline = () => {
      throw new ToolError('permission_denied', 'The person did not approve.');
    };
    const error = await callError(
      b,
      issueRefund,
      { payment_id: paymentId, amount_minor: 6000, currency: 'USD', reason: 'Large' },
      { confirm: decline, principal: 'op-c' },
    );
    expect(error.code).toBe('permission_denied');
    expect(await rowCounts(b.db)).toEqual(before);
  });

  it('asks when refunds on one payment add up past the threshold, though each part is below it', async () => {
    const { paymentId } = await paidCustomer();
    const asked: string[] = [];
    const refund = (amount: number, reason: string, principal: string) =>
      call(
        b,
        issueRefund,
        { payment_id: paymentId, amount_minor: amount, currency: 'USD', reason },
        { confirmations: asked, principal },
      );
    await refund(4000, 'First part', 'op-split-1');
    expect(asked).toEqual([]);
    // USD 40.00 + USD 20.00 on one payment passes the USD 50.00 threshold: the second part is asked,
    // even from another operator.
    await refund(2000, 'Second part', 'op-split-2');
    expect(asked).toEqual([
      expect.stringMatching(
        /^Refund USD 20\.00 on pay_\w+ to .*\? Refunds on this payment would total USD 60\.00\. Reason: Second part$/,
      ),
    ]);
  });

  it("asks when one operator's refunds today add up past the threshold across payments", async () => {
    const first = await paidCustomer();
    const second = await paidCustomer();
    const asked: string[] = [];
    const before = await rowCounts(b.db);
    await call(
      b,
      issueRefund,
      { payment_id: first.paymentId, amount_minor: 3000, currency: 'USD', reason: 'One' },
      { confirmations: asked, principal: 'op-many' },
    );
    expect(asked).toEqual([]);
    const decline = () => {
      throw new ToolError('permission_denied', 'The person did not approve.');
    };
    const error = await callError(
      b,
      issueRefund,
      { payment_id: second.paymentId, amount_minor: 3000, currency: 'USD', reason: 'Two' },
      { confirmations: asked, confirm: decline, principal: 'op-many' },
    );
    expect(error.code).toBe('permission_denied');
    expect(asked).toEqual([expect.stringContaining('Your refunds today would total USD 60.00.')]);
    // Only the first refund was written.
    expect((await rowCounts(b.db)).refunds).toBe(before.refunds! + 1);
  });

  it('asks the second of two concurrent refunds that together pass the threshold', async () => {
    const { paymentId } = await paidCustomer();
    const asked: string[] = [];
    await Promise.all(
      ['op-race-1', 'op-race-2'].map((principal) =>
        call(
          b,
          issueRefund,
          { payment_id: paymentId, amount_minor: 3000, currency: 'USD', reason: 'Race' },
          { confirmations: asked, principal },
        ),
      ),
    );
    expect(asked).toEqual([expect.stringContaining('Refunds on this payment would total USD 60.00.')]);
  });

  it("holds each operator's daily cap, per currency, until the next UTC day", async () => {
    const first = await paidCustomer();
    const second = await paidCustomer();
    const third = await paidCustomer();
    await call(
      b,
      issueRefund,
      { payment_id: first.paymentId, currency: 'USD', reason: 'Refund one' },
      { principal: 'op-cap' },
    );
    await call(
      b,
      issueRefund,
      { payment_id: second.paymentId, amount_minor: 9300 - 2000, currency: 'USD', reason: 'Refund two' },
      { principal: 'op-cap' },
    );
    // 9300 + 7300 = 16600 of 20000 used: 3400 left today.
    const over = await callError(
      b,
      issueRefund,
      { payment_id: third.paymentId, amount_minor: 3401, currency: 'USD', reason: 'Three' },
      { principal: 'op-cap' },
    );
    expect(over.code).toBe('precondition_failed');
    expect(over.message).toContain('daily refund cap of USD 200.00; USD 34.00 is left today');
    expect(over.details).toMatchObject({ remaining_today_minor: 3400 });
    await call(
      b,
      issueRefund,
      { payment_id: third.paymentId, amount_minor: 1000, currency: 'USD', reason: 'Other operator' },
      { principal: 'op-other' },
    );
    b.advance(1);
    try {
      await call(
        b,
        issueRefund,
        { payment_id: third.paymentId, amount_minor: 3401, currency: 'USD', reason: 'Next day' },
        { principal: 'op-cap' },
      );
    } finally {
      b.advance(-1);
    }
  });

  it('a refusal at the daily cap is not replayed: the same key goes through after the cap resets', async () => {
    // Over MCP the caller is the runtime's operator; use up most of its cap for today first.
    const operator = b.runtime.options.operator;
    for (const spent of [await paidCustomer(), await paidCustomer()]) {
      await call(
        b,
        issueRefund,
        { payment_id: spent.paymentId, currency: 'USD', reason: 'Spend' },
        { principal: operator },
      );
    }
    const { paymentId } = await paidCustomer(); // 18600 of 20000 used today: 1400 left
    const client = await connectClient(b.runtime, { era: 'modern' });
    const args = {
      payment_id: paymentId,
      amount_minor: 2000,
      currency: 'USD',
      reason: 'Refund once the cap allows',
      idempotency_key: `cap-reset-${paymentId}`,
    };
    try {
      const refused = await client.callTool('issue_refund', args);
      expect(refused.isError).toBe(true);
      expect(refused.structuredContent!.error).toMatchObject({
        code: 'precondition_failed',
        hint: expect.stringContaining('The cap resets at 00:00 UTC'),
      });
      b.advance(1);
      const retried = await client.callTool('issue_refund', args);
      expect(retried.isError, JSON.stringify(retried)).toBeFalsy();
      expect(retried.structuredContent).toMatchObject({ replayed: false, refund: { amount_minor: 2000 } });
    } finally {
      b.advance(-1);
      await client.close();
    }
  });

  it('takes back unused overpayment credit first', async () => {
    const { paymentId, customerId } = await paidCustomer(5000, 'plan_basic'); // 3100 due: 1900 became credit
    const { data } = await call(
      b,
      issueRefund,
      { payment_id: paymentId, amount_minor: 2500, currency: 'USD', reason: 'Overpaid by mistake' },
      { principal: 'op-d' },
    );
    expect(data.refund).toMatchObject({ amount_minor: 2500, from_credit_minor: 1900 });
    const { rows } = await b.db.query<{ balance_minor: string }>(
      "SELECT balance_minor FROM accounts WHERE kind = 'customer_credit' AND customer_id = $1",
      [customerId],
    );
    expect(rows[0]!.balance_minor).toBe('0');
  });

  it("refuses a currency that is not the payment's, and an unknown payment", async () => {
    const { paymentId } = await paidCustomer(7500, 'plan_jpy');
    const mismatch = await callError(b, issueRefund, {
      payment_id: paymentId,
      amount_minor: 100,
      currency: 'USD',
      reason: 'Wrong unit',
    });
    expect(mismatch).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('JPY') });
    const unknown = await callError(b, issueRefund, {
      payment_id: 'pay_missing',
      amount_minor: 100,
      currency: 'USD',
      reason: 'Nothing',
    });
    expect(unknown.code).toBe('not_found');
  });
});
