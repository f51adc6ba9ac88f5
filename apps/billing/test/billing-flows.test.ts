import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInvoice } from '../src/tools/create-invoice.js';
import { getCustomerBillingSummary } from '../src/tools/get-customer-billing-summary.js';
import { grantAccountCredit } from '../src/tools/grant-account-credit.js';
import { onboardCustomer } from '../src/tools/onboard-customer.js';
import { recordPaymentTool } from '../src/tools/record-payment.js';
import { call, callError, rowCounts, setupBilling, type Billing } from './support/billing.js';
import { invariantViolations } from './support/invariants.js';
import { addTestPlans } from './support/plans.js';

let b: Billing;
beforeAll(async () => {
  b = await setupBilling();
  await addTestPlans(b.db);
});
afterAll(async () => b.close());
afterEach(async () => {
  expect(await invariantViolations(b.db)).toEqual([]);
});

let seq = 0;
async function onboard(plan = 'plan_basic', extra: Record<string, unknown> = {}) {
  seq += 1;
  return call(b, onboardCustomer, {
    name: `Customer ${seq}`,
    email: `c${seq}@example.com`,
    plan_id: plan,
    ...extra,
  });
}

async function receivable(customerId: string, currency = 'USD'): Promise<bigint> {
  const { rows } = await b.db.query<{ balance_minor: string }>(
    "SELECT balance_minor FROM accounts WHERE kind = 'receivable' AND customer_id = $1 AND currency = $2",
    [customerId, currency],
  );
  return BigInt(rows[0]?.balance_minor ?? '0');
}

describe('onboard_customer', () => {
  it('creates the customer, the subscription and the first invoice, posted to the ledger', async () => {
    const { data, text } = await onboard('plan_basic');
    expect(data.customer.currency).toBe('USD');
    expect(data.subscription).toMatchObject({
      status: 'active',
      plan_id: 'plan_basic',
      current_period_start: '2026-03-10T00:00:00.000Z',
      current_period_end: '2026-04-10T00:00:00.000Z',
    });
    expect(data.first_invoice).toMatchObject({
      total_minor: 3100,
      amount_due_minor: 3100,
      status: 'open',
      due_at: '2026-03-24T09:00:00.000Z',
    });
    expect(await receivable(data.customer.customer_id)).toBe(3100n);
    expect(text).toContain('USD 31.00');
  });

  it('starts a trial without an invoice', async () => {
    const { data } = await onboard('plan_trial');
    expect(data.first_invoice).toBeNull();
    expect(data.subscription).toMatchObject({ status: 'trialing', trial_end: '2026-03-24T00:00:00.000Z' });
    const explicit = await onboard('plan_trial', { trial_days: 0 });
    expect(explicit.data.first_invoice?.total_minor).toBe(1000);
  });

  it('refuses an email that already has a customer, and an unknown plan', async () => {
    const { data } = await onboard();
    const before = await rowCounts(b.db);
    const dup = await callError(b, onboardCustomer, {
      name: 'Again',
      email: data.customer.email!.toUpperCase(),
      plan_id: 'plan_basic',
    });
    expect(dup.code).toBe('conflict');
    expect(dup.details).toMatchObject({ customer_id: data.customer.customer_id });
    const unknown = await callError(b, onboardCustomer, { name: 'New', plan_id: 'plan_nope' });
    expect(unknown).toMatchObject({ code: 'not_found', message: expect.stringContaining('plan_id') });
    expect(await rowCounts(b.db)).toEqual(before);
  });
});

describe('create_invoice', () => {
  it('applies available credit, soonest expiry first', async () => {
    const { data } = await onboard();
    const customer = data.customer.customer_id;
    await call(b, recordPaymentTool, {
      invoice_id: data.first_invoice!.invoice_id,
      amount_minor: 3100,
      currency: 'USD',
      method: 'card',
    });
    await call(b, grantAccountCredit, {
      customer_id: customer,
      amount_minor: 500,
      currency: 'USD',
      reason: 'Goodwill',
      apply_to_open_invoices: false,
    });
    const expiring = await call(b, grantAccountCredit, {
      customer_id: customer,
      amount_minor: 300,
      currency: 'USD',
      reason: 'Promo',
      expires_at: '2026-04-01T00:00:00Z',
      apply_to_open_invoices: false,
    });
    const { data: inv, text } = await call(b, createInvoice, {
      customer_id: customer,
      currency: 'USD',
      lines: [
        { description: 'Extra seats', quantity: 2, unit_amount_minor: 100 },
        { description: 'Setup', unit_amount_minor: 500 },
      ],
    });
    expect(inv.invoice).toMatchObject({
      total_minor: 700,
      credit_applied_minor: 700,
      amount_due_minor: 0,
      status: 'paid',
    });
    expect(inv.lines.map((l) => l.amount_minor)).toEqual([200, 500]);
    expect(text).toContain('USD 7.00 of account credit applied');
    const summary = await call(b, getCustomerBillingSummary, { customer });
    // The expiring grant went first; 100 of the other is left.
    expect(summary.data.credits).toEqual([
      expect.objectContaining({ remaining_minor: 100, expires_at: null }),
    ]);
    expect(summary.data.credits.some((c) => c.credit_id === expiring.data.credit.credit_id)).toBe(false);
  });

  it('lets expired credit lapse instead of applying it', async () => {
    const { data } = await onboard();
    const customer = data.customer.customer_id;
    await call(b, recordPaymentTool, {
      invoice_id: data.first_invoice!.invoice_id,
      amount_minor: 3100,
      currency: 'USD',
      method: 'card',
    });
    await call(b, grantAccountCredit, {
      customer_id: customer,
      amount_minor: 700,
      currency: 'USD',
      reason: 'Short promo',
      expires_at: '2026-03-12T00:00:00Z',
    });
    b.advance(3);
    try {
      const { data: inv } = await call(b, createInvoice, {
        customer_id: customer,
        currency: 'USD',
        lines: [{ description: 'Extra', unit_amount_minor: 400 }],
      });
      expect(inv.credit_applied_minor).toBe(0);
      const { rows } = await b.db.query(
        "SELECT 1 FROM journal_transactions WHERE kind = 'credit_expired' AND customer_id = $1",
        [customer],
      );
      expect(rows).toHaveLength(1);
    } finally {
      b.advance(-3);
    }
  });
});

describe('record_payment', () => {
  it('leaves the rest due after a partial payment', async () => {
    const { data } = await onboard('plan_pro');
    const invoice = data.first_invoice!.invoice_id;
    const { data: paid } = await call(b, recordPaymentTool, {
      invoice_id: invoice,
      amount_minor: 4000,
      currency: 'USD',
      method: 'bank_transfer',
      provider: 'bank',
      provider_reference: 'TRX-1',
    });
    expect(paid.payment).toMatchObject({ amount_minor: 4000, applied_minor: 4000, credited_minor: 0 });
    expect(paid.invoice).toMatchObject({
      amount_paid_minor: 4000,
      amount_due_minor: 5300,
      status: 'partially_paid',
    });
    expect(await receivable(data.customer.customer_id)).toBe(5300n);
  });

  it('turns an overpayment into credit that settles other open invoices first', async () => {
    const { data } = await onboard('plan_basic');
    const customer = data.customer.customer_id;
    const other = await call(b, createInvoice, {
      customer_id: customer,
      currency: 'USD',
      lines: [{ description: 'Add-on', unit_amount_minor: 1000 }],
    });
    const { data: paid, text } = await call(b, recordPaymentTool, {
      invoice_id: data.first_invoice!.invoice_id,
      amount_minor: 5000,
      currency: 'USD',
      method: 'card',
    });
    expect(paid.payment).toMatchObject({ applied_minor: 3100, credited_minor: 1900 });
    expect(paid.invoice.status).toBe('paid');
    expect(paid.credit_applied_to).toEqual([
      { invoice_id: other.data.invoice.invoice_id, amount_minor: 1000 },
    ]);
    expect(text).toContain('Overpayment of USD 19.00 became account credit.');
    const summary = await call(b, getCustomerBillingSummary, { customer: data.customer.email! });
    expect(summary.data.balances).toEqual([
      expect.objectContaining({ currency: 'USD', balance_due_minor: 0, credit_minor: 900 }),
    ]);
  });

  it('records a provider reference once', async () => {
    const { data } = await onboard();
    const args = {
      invoice_id: data.first_invoice!.invoice_id,
      amount_minor: 100,
      currency: 'USD',
      method: 'card',
      provider: 'stripe',
      provider_reference: 'ch_once',
    };
    const first = await call(b, recordPaymentTool, args);
    const again = await callError(b, recordPaymentTool, args);
    expect(again.code).toBe('conflict');
    expect(again.details).toMatchObject({ payment_id: first.data.payment.payment_id });
  });
});

describe('get_customer_billing_summary', () => {
  it('shows overdue invoices and what needs attention', async () => {
    const { data } = await onboard('plan_pro');
    await call(b, recordPaymentTool, {
      invoice_id: data.first_invoice!.invoice_id,
      amount_minor: 1000,
      currency: 'USD',
      method: 'card',
    });
    b.advance(20);
    try {
      const { data: s, text } = await call(b, getCustomerBillingSummary, {
        customer: data.customer.customer_id,
      });
      expect(s.overdue).toEqual([
        expect.objectContaining({ currency: 'USD', count: 1, amount_due_minor: 8300 }),
      ]);
      expect(s.recent_invoices[0]!.status).toBe('overdue');
      expect(s.attention[0]).toContain('1 overdue invoice(s) totalling USD 83.00, oldest 6 day(s) past due');
      expect(text).toContain('Plan: Pro (USD 93.00/month');
    } finally {
      b.advance(-20);
    }
  });

  it('counts every lot of credit in the balance, however many there are', async () => {
    const { data } = await onboard();
    const customer = data.customer.customer_id;
    await call(b, recordPaymentTool, {
      invoice_id: data.first_invoice!.invoice_id,
      amount_minor: 3100,
      currency: 'USD',
      method: 'card',
    });
    const grant = (i: number) =>
      call(b, grantAccountCredit, {
        customer_id: customer,
        amount_minor: 100,
        currency: 'USD',
        reason: `Goodwill ${i}`,
      });
    let last = await grant(1);
    for (let i = 2; i <= 60; i += 1) last = await grant(i);
    expect(last.data.credit_balance_minor).toBe(6000);
    expect(last.data.credit).toMatchObject({ amount_minor: 100, remaining_minor: 100 });
    const { data: s, text } = await call(b, getCustomerBillingSummary, { customer });
    expect(s.balances).toEqual([expect.objectContaining({ currency: 'USD', credit_minor: 6000 })]);
    expect(s.credits).toHaveLength(20);
    expect(text).toContain('USD 60.00 credit');
  });

  it('answers not_found for an unknown id or email', async () => {
    expect((await callError(b, getCustomerBillingSummary, { customer: 'cus_nobody' })).code).toBe(
      'not_found',
    );
    expect((await callError(b, getCustomerBillingSummary, { customer: 'nobody@example.com' })).code).toBe(
      'not_found',
    );
  });
});
