import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@bounded/core';
import { renewDue } from '../src/renewals.js';
import { renewDueSubscriptions } from '../src/store/subscriptions.js';
import { createInvoice } from '../src/tools/create-invoice.js';
import { getCustomerBillingSummary } from '../src/tools/get-customer-billing-summary.js';
import { grantAccountCredit } from '../src/tools/grant-account-credit.js';
import { onboardCustomer } from '../src/tools/onboard-customer.js';
import { recordPaymentTool } from '../src/tools/record-payment.js';
import { call, callError, rowCounts, setupBilling, type Billing } from './support/billing.js';
import { invariantViolations } from './support/invariants.js';
import { addTestPlans } from './support/plans.js';

const MAX = Number.MAX_SAFE_INTEGER;

let b: Billing;
beforeAll(async () => {
  b = await setupBilling();
  await addTestPlans(b.db);
});
afterAll(async () => b.close());

async function customer(name: string): Promise<string> {
  const { data } = await call(b, onboardCustomer, { name, plan_id: 'plan_basic' });
  return data.customer.customer_id;
}

async function summaryOf(customerId: string) {
  const { data } = await call(b, getCustomerBillingSummary, { customer: customerId });
  return data.balances.find((p) => p.currency === 'USD')!;
}

describe('customer totals stay within what a JSON number carries', () => {
  it('refuses an invoice that would take the amount owed past 2^53 - 1; the summary still reads', async () => {
    const id = await customer('Huge invoices');
    const owed = (await summaryOf(id)).balance_due_minor; // the first period's invoice
    const invoice = (amount: number) =>
      ({
        customer_id: id,
        currency: 'USD',
        lines: [{ description: 'Big', unit_amount_minor: amount }],
      }) as const;
    await call(b, createInvoice, invoice(MAX - owed));
    expect((await summaryOf(id)).balance_due_minor).toBe(MAX);

    const before = await rowCounts(b.db);
    const error = await callError(b, createInvoice, invoice(MAX));
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toMatch(/amount owed on open invoices in USD .* past the largest total/);
    expect(await rowCounts(b.db)).toEqual(before);
    // One more minor unit is refused too; the read keeps working.
    expect((await callError(b, createInvoice, invoice(1))).code).toBe('precondition_failed');
    expect((await summaryOf(id)).balance_due_minor).toBe(MAX);
    expect(await invariantViolations(b.db)).toEqual([]);
  });

  it('refuses credit that would take the account credit past 2^53 - 1', async () => {
    // The credit caps keep a grant far below 2^53 - 1, so an overpayment (which no cap limits)
    // brings the account credit to the top and a small grant fills the last of it.
    const { data } = await call(b, onboardCustomer, { name: 'Huge credit', plan_id: 'plan_basic' });
    const id = data.customer.customer_id;
    const firstInvoice = data.first_invoice!;
    await call(b, recordPaymentTool, {
      invoice_id: firstInvoice.invoice_id,
      amount_minor: MAX,
      currency: 'USD',
      method: 'bank_transfer',
    });
    const grant = (amount: number) => ({
      customer_id: id,
      amount_minor: amount,
      currency: 'USD',
      reason: 'Goodwill',
      apply_to_open_invoices: false,
    });
    await call(b, grantAccountCredit, grant(firstInvoice.amount_due_minor));
    const before = await rowCounts(b.db);
    const error = await callError(b, grantAccountCredit, grant(1));
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toMatch(/account credit in USD/);
    expect(await rowCounts(b.db)).toEqual(before);
    expect((await summaryOf(id)).credit_minor).toBe(MAX);
  });

  it('a refused renewal leaves that subscription due and renews the rest of the batch', async () => {
    const full = await customer('Full book');
    const fine = await customer('Fine book');
    const owed = (await summaryOf(full)).balance_due_minor;
    await call(b, createInvoice, {
      customer_id: full,
      currency: 'USD',
      lines: [{ description: 'Almost everything', unit_amount_minor: MAX - owed }],
    });
    b.advance(40); // both monthly periods have ended
    const refused: string[] = [];
    const issued = await b.db.transaction((tx) =>
      renewDueSubscriptions(tx, {
        now: b.clock.now,
        termsDays: 14,
        limit: 50,
        onRefused: (subscriptionId, error) => refused.push(`${subscriptionId}:${error.code}`),
      }),
    );
    const { rows } = await b.db.query<{ customer_id: string; id: string }>(
      'SELECT customer_id, id FROM subscriptions WHERE customer_id = ANY($1)',
      [[full, fine]],
    );
    const subscriptionOf = (c: string) => rows.find((r) => r.customer_id === c)!.id;
    // The customer of the first test is at the bound as well, and refused the same way.
    expect(refused).toContain(`${subscriptionOf(full)}:precondition_failed`);
    expect(refused.some((r) => r.startsWith(subscriptionOf(fine)))).toBe(false);
    expect(issued.map((i) => i.invoice.customerId)).toContain(fine);
    expect(issued.map((i) => i.invoice.customerId)).not.toContain(full);
    expect((await summaryOf(full)).balance_due_minor).toBe(MAX);
    expect(await invariantViolations(b.db)).toEqual([]);
  });

  it('a sweep tries a refused renewal once, not again in every later batch', async () => {
    const lines: string[] = [];
    const log = createLogger({
      name: 'billing',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    await customer('Another fine book');
    b.advance(40); // every period, the refused one's included, has ended again
    expect(await renewDue(b.db, b.deps, log)).toBeGreaterThan(0);
    const refusals = lines
      .map((l) => JSON.parse(l) as { msg: string })
      .filter((l) => l.msg === 'renewal refused');
    // The customers of the first and the third test are at the bound: one refusal each.
    expect(refusals).toHaveLength(2);
    expect(await invariantViolations(b.db)).toEqual([]);
  });
});
