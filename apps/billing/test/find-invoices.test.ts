import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvoice } from '../src/tools/create-invoice.js';
import { findInvoices } from '../src/tools/find-invoices.js';
import { onboardCustomer } from '../src/tools/onboard-customer.js';
import { recordPaymentTool } from '../src/tools/record-payment.js';
import { call, callError, setupBilling, type Billing } from './support/billing.js';
import { addTestPlans } from './support/plans.js';

let b: Billing;
let alice = '';
let bob = '';
const aliceInvoices: string[] = [];

beforeAll(async () => {
  b = await setupBilling();
  await addTestPlans(b.db);
  const a = await call(b, onboardCustomer, { name: 'Alice', plan_id: 'plan_basic' });
  alice = a.data.customer.customer_id;
  aliceInvoices.push(a.data.first_invoice!.invoice_id);
  const bb = await call(b, onboardCustomer, { name: 'Bob', plan_id: 'plan_eur' });
  bob = bb.data.customer.customer_id;
  // 44 more for Alice, several per instant so that ties on issued_at are broken by id.
  for (let i = 1; i <= 44; i += 1) {
    if (i % 3 === 0) b.clock.now = new Date(b.clock.now.getTime() + 60_000);
    const { data } = await call(b, createInvoice, {
      customer_id: alice,
      currency: 'USD',
      lines: [{ description: `Usage ${i}`, unit_amount_minor: i * 100 }],
    });
    aliceInvoices.push(data.invoice.invoice_id);
    if (i % 5 === 0)
      await call(b, recordPaymentTool, {
        invoice_id: data.invoice.invoice_id,
        amount_minor: i * 100,
        currency: 'USD',
        method: 'card',
      });
    if (i % 7 === 0)
      await call(b, recordPaymentTool, {
        invoice_id: data.invoice.invoice_id,
        amount_minor: 50,
        currency: 'USD',
        method: 'card',
      });
  }
}, 120_000);
afterAll(async () => b.close());

describe('find_invoices', () => {
  it('pages through every invoice exactly once, newest first', async () => {
    const seen: string[] = [];
    const issued: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { data } = await call(b, findInvoices, { customer_id: alice, ...(cursor ? { cursor } : {}) });
      pages += 1;
      expect(data.invoices.length).toBeLessThanOrEqual(20);
      seen.push(...data.invoices.map((i) => i.invoice_id));
      issued.push(...data.invoices.map((i) => i.issued_at));
      cursor = data.next_cursor ?? undefined;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(45);
    expect(new Set(seen)).toEqual(new Set(aliceInvoices));
    expect([...issued].sort().reverse()).toEqual(issued);
  });

  it('filters by status, currency, amount and date', async () => {
    const paid = await call(b, findInvoices, { customer_id: alice, status: 'paid', limit: 100 });
    expect(paid.data.invoices.map((i) => i.total_minor).sort((x, y) => x - y)).toEqual([
      500, 1000, 1500, 2000, 2500, 3000, 3500, 4000,
    ]);
    const partly = await call(b, findInvoices, { customer_id: alice, status: 'partially_paid', limit: 100 });
    // 7, 14, 21, 28, 42 got USD 0.50; the 0.50 overpaid on 35 became credit on the oldest open invoice.
    expect(partly.data.invoices).toHaveLength(6);
    expect(
      partly.data.invoices.every((i) => i.amount_due_minor > 0 && i.amount_due_minor === i.total_minor - 50),
    ).toBe(true);
    const eur = await call(b, findInvoices, { currency: 'EUR' });
    expect(eur.data.invoices.map((i) => i.customer_id)).toEqual([bob]);
    const range = await call(b, findInvoices, { min_total_minor: 1000, max_total_minor: 1200, limit: 100 });
    expect(range.data.invoices.map((i) => i.total_minor).sort()).toEqual([1000, 1100, 1200]);
    const none = await call(b, findInvoices, { issued_before: '2026-03-10T08:59:59Z' });
    expect(none.data.invoices).toEqual([]);
    expect(none.text).toBe('No invoices match.');
    b.advance(30);
    try {
      const overdue = await call(b, findInvoices, { customer_id: alice, status: 'overdue', limit: 100 });
      expect(overdue.data.invoices).toHaveLength(45 - 8);
      expect(overdue.data.invoices.every((i) => i.status === 'overdue')).toBe(true);
    } finally {
      b.advance(-30);
    }
  });

  it('refuses a cursor used with different filters, and oversized pages', async () => {
    const { data } = await call(b, findInvoices, { customer_id: alice, limit: 5 });
    const error = await callError(b, findInvoices, { customer_id: bob, cursor: data.next_cursor });
    expect(error.code).toBe('invalid_argument');
    expect(findInvoices.input.safeParse({ limit: 101 }).success).toBe(false);
    expect((await callError(b, findInvoices, { currency: 'ABC' })).message).toContain('currency');
  });
});
