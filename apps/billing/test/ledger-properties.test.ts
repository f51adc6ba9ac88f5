import { hasRealPostgres } from '@bounded/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCreditToOpenInvoices } from '../src/store/credits.js';
import { liveSubscription, renewSubscription } from '../src/store/subscriptions.js';
import { changeSubscriptionPlan } from '../src/tools/change-subscription-plan.js';
import { createInvoice } from '../src/tools/create-invoice.js';
import { grantAccountCredit } from '../src/tools/grant-account-credit.js';
import { issueRefund } from '../src/tools/issue-refund.js';
import { onboardCustomer } from '../src/tools/onboard-customer.js';
import { recordPaymentTool } from '../src/tools/record-payment.js';
import { call, callError, rowCounts, setupBilling, type Billing } from './support/billing.js';
import { invariantViolations } from './support/invariants.js';
import { addTestPlans } from './support/plans.js';

// Several hundred operations in all (BILLING_PROPERTY_RUNS raises it for a longer soak;
// BILLING_PROPERTY_SEED replays the run a failure printed).
const RUNS = Number(process.env.BILLING_PROPERTY_RUNS ?? (hasRealPostgres() ? 25 : 10));
const SEED = process.env.BILLING_PROPERTY_SEED ? { seed: Number(process.env.BILLING_PROPERTY_SEED) } : {};
const pick = fc.nat({ max: 1_000 });
const amount = fc.integer({ min: 1, max: 60_000 });

type Op =
  | { op: 'invoice'; customer: number; lines: number[]; applyCredit: boolean }
  | { op: 'pay'; invoice: number; mode: 'partial' | 'exact' | 'over'; extra: number }
  | { op: 'refund'; payment: number; mode: 'partial' | 'full' | 'over'; extra: number }
  | { op: 'grant'; customer: number; amount: number; expiresInDays: number | null; apply: boolean }
  | { op: 'apply'; customer: number }
  | { op: 'plan'; when: 'now' | 'period_end' }
  | { op: 'wait'; days: number }
  | { op: 'renew' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('invoice' as const),
      customer: pick,
      lines: fc.array(amount, { minLength: 1, maxLength: 3 }),
      applyCredit: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('pay' as const),
      invoice: pick,
      mode: fc.constantFrom('partial' as const, 'exact' as const, 'over' as const),
      extra: amount,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('refund' as const),
      payment: pick,
      mode: fc.constantFrom('partial' as const, 'full' as const, 'over' as const),
      extra: amount,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('grant' as const),
      customer: pick,
      amount,
      expiresInDays: fc.option(fc.integer({ min: 1, max: 6 })),
      apply: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('apply' as const), customer: pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('plan' as const),
      when: fc.constantFrom('now' as const, 'period_end' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('wait' as const), days: fc.integer({ min: 1, max: 10 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'renew' as const }) },
);

let b: Billing;
beforeAll(async () => {
  // The invariants are the subject here, not the operator limits (tested on their own): a random
  // sequence must never be stopped by a daily cap, nor wait for a person.
  b = await setupBilling({
    BILLING_REFUND_CONFIRM_ABOVE_MINOR: '1000000000',
    BILLING_DAILY_REFUND_CAP_MINOR: '1000000000000',
    BILLING_CREDIT_CONFIRM_ABOVE_MINOR: '1000000000',
    BILLING_CREDIT_GRANT_CAP_MINOR: '1000000000000',
    BILLING_DAILY_CREDIT_CAP_MINOR: '1000000000000',
  });
  await addTestPlans(b.db);
});
afterAll(async () => b.close());

interface Book {
  customers: { id: string; currency: string }[];
  invoices: { id: string; currency: string }[];
  payments: { id: string; currency: string }[];
}

async function openBook(run: number): Promise<Book> {
  const book: Book = { customers: [], invoices: [], payments: [] };
  for (const plan of ['plan_basic', 'plan_eur', 'plan_jpy']) {
    const { data } = await call(b, onboardCustomer, { name: `Property ${run} ${plan}`, plan_id: plan });
    book.customers.push({ id: data.customer.customer_id, currency: data.customer.currency });
    book.invoices.push({ id: data.first_invoice!.invoice_id, currency: data.customer.currency });
  }
  return book;
}

async function amountDue(invoiceId: string): Promise<number> {
  const { rows } = await b.db.query<{ amount_due_minor: string }>(
    'SELECT amount_due_minor FROM invoices WHERE id = $1',
    [invoiceId],
  );
  return Number(rows[0]!.amount_due_minor);
}

async function refundable(paymentId: string): Promise<number> {
  const { rows } = await b.db.query<{ left: string }>(
    'SELECT (amount_minor - refunded_minor)::text AS left FROM payments WHERE id = $1',
    [paymentId],
  );
  return Number(rows[0]!.left);
}

const at = <T>(list: T[], index: number): T | undefined =>
  list.length === 0 ? undefined : list[index % list.length];

async function apply(book: Book, op: Op, counter: { n: number }): Promise<void> {
  const key = () => `prop-${(counter.n += 1)}-${Math.random().toString(36).slice(2)}`;
  switch (op.op) {
    case 'invoice': {
      const c = at(book.customers, op.customer)!;
      const { data } = await call(b, createInvoice, {
        customer_id: c.id,
        currency: c.currency,
        apply_credit: op.applyCredit,
        idempotency_key: key(),
        lines: op.lines.map((unit, i) => ({ description: `Line ${i + 1}`, unit_amount_minor: unit })),
      });
      book.invoices.push({ id: data.invoice.invoice_id, currency: c.currency });
      return;
    }
    case 'pay': {
      const invoice = at(book.invoices, op.invoice)!;
      const due = await amountDue(invoice.id);
      const value =
        op.mode === 'partial' && due > 1
          ? 1 + (op.extra % (due - 1))
          : op.mode === 'exact' && due > 0
            ? due
            : due + op.extra;
      const { data } = await call(b, recordPaymentTool, {
        invoice_id: invoice.id,
        amount_minor: value,
        currency: invoice.currency,
        method: 'card',
        idempotency_key: key(),
      });
      book.payments.push({ id: data.payment.payment_id, currency: invoice.currency });
      return;
    }
    case 'refund': {
      const payment = at(book.payments, op.payment);
      if (!payment) return;
      const left = await refundable(payment.id);
      if (op.mode === 'over' || left === 0) {
        const before = await rowCounts(b.db);
        const error = await callError(b, issueRefund, {
          payment_id: payment.id,
          amount_minor: left + op.extra,
          currency: payment.currency,
          reason: 'Property: too much',
          idempotency_key: key(),
        });
        expect(error.code).toBe('precondition_failed');
        expect(await rowCounts(b.db)).toEqual(before);
        return;
      }
      const value = op.mode === 'full' ? undefined : 1 + (op.extra % left);
      await call(b, issueRefund, {
        payment_id: payment.id,
        currency: payment.currency,
        reason: 'Property refund',
        idempotency_key: key(),
        ...(value ? { amount_minor: value } : {}),
      });
      return;
    }
    case 'grant': {
      const c = at(book.customers, op.customer)!;
      const expires =
        op.expiresInDays === null
          ? {}
          : { expires_at: new Date(b.clock.now.getTime() + op.expiresInDays * 86_400_000).toISOString() };
      await call(b, grantAccountCredit, {
        customer_id: c.id,
        amount_minor: op.amount,
        currency: c.currency,
        reason: 'Property credit',
        apply_to_open_invoices: op.apply,
        idempotency_key: key(),
        ...expires,
      });
      return;
    }
    case 'apply': {
      const c = at(book.customers, op.customer)!;
      await b.db.transaction((tx) => applyCreditToOpenInvoices(tx, c.id, c.currency, b.clock.now));
      return;
    }
    case 'plan': {
      // The tool first renews periods that have ended, which applies a scheduled change; the
      // plan it compares against is the one the subscription is on after that.
      const live = (await liveSubscription(b.db, book.customers[0]!.id))!;
      const lapsed = new Date(live.currentPeriodEnd) <= b.clock.now;
      const current = lapsed && live.pendingPlanId ? live.pendingPlanId : live.planId;
      const target = current === 'plan_basic' ? 'plan_pro' : 'plan_basic';
      const { data } = await call(b, changeSubscriptionPlan, {
        customer_id: book.customers[0]!.id,
        new_plan_id: target,
        when: op.when,
        idempotency_key: key(),
      });
      if (data.invoice) book.invoices.push({ id: data.invoice.invoice_id, currency: 'USD' });
      return;
    }
    case 'wait':
      b.advance(op.days);
      return;
    case 'renew':
      for (const c of book.customers) {
        const renewed = await b.db.transaction(async (tx) => {
          const live = await liveSubscription(tx, c.id);
          return live
            ? renewSubscription(tx, { subscriptionId: live.id, now: b.clock.now, termsDays: 14 })
            : undefined;
        });
        if (renewed) book.invoices.push({ id: renewed.issued.invoice.id, currency: c.currency });
      }
  }
}

describe('the ledger under random sequences of operations', () => {
  it('keeps every invariant: balanced per currency, refunds ≤ captured, credit ≥ 0, amounts due ≥ 0, documents = ledger', async () => {
    let run = 0;
    let operations = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 30, maxLength: 70 }), async (ops) => {
        run += 1;
        const book = await openBook(run);
        const counter = { n: 0 };
        for (const [i, op] of ops.entries()) {
          await apply(book, op, counter);
          operations += 1;
          if (i % 10 === 9) expect(await invariantViolations(b.db)).toEqual([]);
        }
        expect(await invariantViolations(b.db)).toEqual([]);
      }),
      { numRuns: RUNS, endOnFailure: true, ...SEED },
    );
    expect(operations).toBeGreaterThanOrEqual(RUNS * 30);
    const { rows } = await b.db.query<{ kinds: string }>(
      'SELECT count(DISTINCT kind)::text AS kinds FROM journal_transactions',
    );
    expect(Number(rows[0]!.kinds)).toBeGreaterThanOrEqual(5);
  }, 600_000);
});
