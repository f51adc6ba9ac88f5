import { ToolError } from '@bounded/core';
import { hasRealPostgres } from '@bounded/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refundPolicyOf } from '../src/config.js';
import { issueRefund as issueRefundInStore, planRefund } from '../src/store/refunds.js';
import { renewDueSubscriptions } from '../src/store/subscriptions.js';
import { createInvoice } from '../src/tools/create-invoice.js';
import { grantAccountCredit } from '../src/tools/grant-account-credit.js';
import { issueRefund } from '../src/tools/issue-refund.js';
import { onboardCustomer } from '../src/tools/onboard-customer.js';
import { recordPaymentTool } from '../src/tools/record-payment.js';
import { call, countingDeadlocks, setupBilling, type Billing } from './support/billing.js';
import { invariantViolations } from './support/invariants.js';
import { invoiceAndPay } from './support/invoice-and-pay.js';
import { addTestPlans } from './support/plans.js';

function outcomes(results: PromiseSettledResult<unknown>[]) {
  const failed = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => r.reason as unknown);
  for (const reason of failed) if (!(reason instanceof ToolError)) throw reason;
  return { ok: results.filter((r) => r.status === 'fulfilled').length, errors: failed as ToolError[] };
}

// PGlite has one connection, so nothing there runs concurrently; these need real PostgreSQL.
describe.skipIf(!hasRealPostgres())('concurrency on PostgreSQL', () => {
  let b: Billing;
  let seq = 0;
  beforeAll(async () => {
    b = await setupBilling({
      BILLING_REFUND_CONFIRM_ABOVE_MINOR: '100',
      BILLING_DAILY_REFUND_CAP_MINOR: '10000',
    });
    await addTestPlans(b.db);
  });
  afterAll(async () => b.close());
  afterEach(async () => {
    expect(await invariantViolations(b.db)).toEqual([]);
  });

  async function payment(
    plan = 'plan_pro',
  ): Promise<{ paymentId: string; invoiceId: string; customerId: string }> {
    seq += 1;
    const { data } = await call(b, onboardCustomer, { name: `Race ${seq}`, plan_id: plan });
    const invoiceId = data.first_invoice!.invoice_id;
    const paid = await call(b, recordPaymentTool, {
      invoice_id: invoiceId,
      amount_minor: data.first_invoice!.total_minor,
      currency: 'USD',
      method: 'card',
    });
    return { paymentId: paid.data.payment.payment_id, invoiceId, customerId: data.customer.customer_id };
  }

  it('two refunds racing past the captured amount: one wins, the other gets precondition_failed (store)', async () => {
    const { paymentId } = await payment(); // USD 93.00 captured
    const policy = {
      ...refundPolicyOf(b.deps.config),
      dailyCap: { defaultMinor: 10n ** 12n, byCurrency: {} },
    };
    // Planning takes the payment's lock, so the second plans only after the first wrote (or
    // rolled back): both cannot pass the check on the same refundable amount.
    const attempt = (operatorId: string) =>
      b.db.transaction(async (tx) => {
        const request = {
          paymentId,
          currency: 'USD',
          amountMinor: 6000n,
          operatorId,
          now: b.clock.now,
          policy,
        };
        const plan = await planRefund(tx, request);
        return issueRefundInStore(tx, {
          ...request,
          amountMinor: plan.amountMinor,
          reason: `race ${operatorId}`,
        });
      });
    const { ok, errors } = outcomes(await Promise.allSettled([attempt('op-x'), attempt('op-y')]));
    expect(ok).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(['precondition_failed']);
    expect(errors[0]!.details).toMatchObject({ refundable_minor: 3300 });
    const { rows } = await b.db.query<{ refunded_minor: string }>(
      'SELECT refunded_minor FROM payments WHERE id = $1',
      [paymentId],
    );
    expect(rows[0]!.refunded_minor).toBe('6000');
  });

  it('the same race through the tool: both asked, one refund, the other re-checked after approval', async () => {
    const { paymentId } = await payment();
    // Asking is a round trip: the call's transaction rolls back, the person answers, the call runs
    // again from the start. So both calls can reach the question before either refunds. Force that
    // interleaving: the first person answers only once the second has been asked, and the second
    // only once the first call is over. The approved second call must still check again, and refuse.
    const asked: string[] = [];
    let secondAsked!: () => void;
    const bothAsked = new Promise<void>((resolve) => (secondAsked = resolve));
    let firstOver!: () => void;
    const firstSettled = new Promise<void>((resolve) => (firstOver = resolve));
    const confirm = async () => {
      if (asked.length === 1) return bothAsked;
      secondAsked();
      return firstSettled;
    };
    const attempts = ['op-1', 'op-2'].map((principal) =>
      call(
        b,
        issueRefund,
        { payment_id: paymentId, amount_minor: 5000, currency: 'USD', reason: `Race ${principal}` },
        { principal, confirmations: asked, confirm },
      ).finally(firstOver),
    );
    const { ok, errors } = outcomes(await Promise.allSettled(attempts));
    expect(asked).toHaveLength(2);
    expect(ok).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(['precondition_failed']);
    const { rows: refunds } = await b.db.query<{ amount_minor: string; left: string }>(
      `SELECT r.amount_minor, p.amount_minor - p.refunded_minor AS left
         FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE r.payment_id = $1`,
      [paymentId],
    );
    expect(refunds).toEqual([{ amount_minor: '5000', left: expect.any(String) }]);
    // Refused on what was left after the first refund, not on the payment as the person saw it.
    expect(errors[0]!.details).toMatchObject({ refundable_minor: Number(refunds[0]!.left) });
    expect(Number(refunds[0]!.left)).toBeLessThan(5000);
    // Through the tool means through the wrapper: both calls were audited under their principals.
    const { rows } = await b.db.query<{ principal: string }>(
      "SELECT principal FROM bounded_audit WHERE tool = 'issue_refund' AND principal IN ('op-1', 'op-2') ORDER BY principal",
    );
    expect(rows.map((r) => r.principal)).toEqual(['op-1', 'op-2']);
  });

  it('concurrent refunds by one operator never exceed the daily cap', async () => {
    const payments = await Promise.all([1, 2, 3, 4, 5].map(() => payment()));
    // Cap USD 100.00; five refunds of USD 30.00 at once queue at the operator's daily total.
    const attempts = payments.map((p) =>
      call(
        b,
        issueRefund,
        { payment_id: p.paymentId, amount_minor: 3000, currency: 'USD', reason: 'Batch' },
        { principal: 'op-batch' },
      ),
    );
    const { ok, errors } = outcomes(await Promise.allSettled(attempts));
    expect(ok).toBe(3);
    expect(errors.map((e) => e.code)).toEqual(['precondition_failed', 'precondition_failed']);
    expect(errors[0]!.message).toContain('daily refund cap');
    const { rows } = await b.db.query<{ total: string }>(
      "SELECT coalesce(sum(amount_minor), 0)::text AS total FROM refunds WHERE operator_id = 'op-batch'",
    );
    expect(rows[0]!.total).toBe('9000');
  });

  it('concurrent credit grants by one operator never exceed the daily credit cap', async () => {
    const customers = await Promise.all([1, 2, 3, 4, 5].map(() => payment()));
    // Default cap USD 2,500.00 a day; five grants of USD 900.00 at once: two fit.
    const attempts = customers.map((c) =>
      call(
        b,
        grantAccountCredit,
        { customer_id: c.customerId, amount_minor: 90000, currency: 'USD', reason: 'Batch goodwill' },
        { principal: 'op-credit-batch' },
      ),
    );
    const { ok, errors } = outcomes(await Promise.allSettled(attempts));
    expect(ok).toBe(2);
    expect(errors.map((e) => e.code)).toEqual([
      'precondition_failed',
      'precondition_failed',
      'precondition_failed',
    ]);
    const { rows } = await b.db.query<{ total: string }>(
      "SELECT coalesce(sum(amount_minor), 0)::text AS total FROM credit_lots WHERE granted_by = 'op-credit-batch'",
    );
    expect(rows[0]!.total).toBe('180000');
  });

  it('concurrent invoices never spend the same credit twice', async () => {
    const { customerId } = await payment('plan_basic');
    await call(b, grantAccountCredit, {
      customer_id: customerId,
      amount_minor: 5000,
      currency: 'USD',
      reason: 'Shared credit',
      apply_to_open_invoices: false,
    });
    const invoices = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        call(b, createInvoice, {
          customer_id: customerId,
          currency: 'USD',
          lines: [{ description: `Race ${i}`, unit_amount_minor: 2000 }],
        }),
      ),
    );
    const applied = invoices.reduce((sum, r) => sum + r.data.credit_applied_minor, 0);
    expect(applied).toBe(5000);
  });

  it('concurrent payments settling the same invoice: the second becomes credit', async () => {
    seq += 1;
    const { data } = await call(b, onboardCustomer, { name: `Race ${seq}`, plan_id: 'plan_basic' });
    const invoice = data.first_invoice!;
    const results = await Promise.all(
      ['ch_a', 'ch_b'].map((ref) =>
        call(b, recordPaymentTool, {
          invoice_id: invoice.invoice_id,
          amount_minor: invoice.total_minor,
          currency: 'USD',
          method: 'card',
          provider: 'stripe',
          provider_reference: `${ref}_${seq}`,
        }),
      ),
    );
    expect(results.map((r) => r.data.payment.credited_minor).sort()).toEqual([0, invoice.total_minor]);
  });

  it('the same provider event recorded twice at once is booked once', async () => {
    seq += 1;
    const { data } = await call(b, onboardCustomer, { name: `Race ${seq}`, plan_id: 'plan_basic' });
    const args = {
      invoice_id: data.first_invoice!.invoice_id,
      amount_minor: 500,
      currency: 'USD',
      method: 'card',
      provider: 'stripe',
      provider_reference: `ch_dup_${seq}`,
    };
    const { ok, errors } = outcomes(
      await Promise.allSettled([call(b, recordPaymentTool, args), call(b, recordPaymentTool, args)]),
    );
    expect(ok).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(['conflict']);
  });

  it('concurrent onboardings with one email: one customer, the others get conflict', async () => {
    seq += 1;
    const email = `race-${seq}@example.com`;
    const attempts = [1, 2, 3, 4].map((i) =>
      call(b, onboardCustomer, {
        name: `Race ${seq}.${i}`,
        email: i % 2 === 0 ? email.toUpperCase() : email,
        plan_id: 'plan_basic',
      }),
    );
    const results = await Promise.allSettled(attempts);
    const { ok, errors } = outcomes(results);
    expect(ok).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(['conflict', 'conflict', 'conflict']);
    const [winner] = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.data.customer] : []));
    for (const e of errors) {
      expect(e.details).toMatchObject({ field: 'email', customer_id: winner!.customer_id });
    }
    const { rows } = await b.db.query<{ customers: number; invoices: number }>(
      `SELECT count(*)::int AS customers,
              (SELECT count(*)::int FROM invoices i JOIN customers c ON c.id = i.customer_id
                WHERE lower(c.email) = lower($1)) AS invoices
         FROM customers WHERE lower(email) = lower($1)`,
      [email],
    );
    expect(rows[0]).toEqual({ customers: 1, invoices: 1 });
  });

  it('granting credit while invoicing one customer never deadlocks', async () => {
    const { customerId } = await payment('plan_basic');
    // The port retries a deadlocked transaction, so count them where they happen. (The database-wide
    // pg_stat_database counter would also count deadlocks other test files provoke on purpose.)
    const racing = await countingDeadlocks(b);
    for (let round = 1; round <= 10; round += 1) {
      // Unapplied credit next to an open invoice: both racers then lock invoices, credit and accounts.
      await call(b, grantAccountCredit, {
        customer_id: customerId,
        amount_minor: 5000,
        currency: 'USD',
        reason: `Round ${round} reserve`,
        apply_to_open_invoices: false,
      });
      await call(b, createInvoice, {
        customer_id: customerId,
        currency: 'USD',
        lines: [{ description: `Round ${round} setup`, unit_amount_minor: 2000 }],
        apply_credit: false,
      });
      const { ok, errors } = outcomes(
        await Promise.allSettled([
          call(racing.billing, grantAccountCredit, {
            customer_id: customerId,
            amount_minor: 700,
            currency: 'USD',
            reason: `Round ${round} goodwill`,
          }),
          call(racing.billing, createInvoice, {
            customer_id: customerId,
            currency: 'USD',
            lines: [{ description: `Round ${round} seats`, unit_amount_minor: 500 }],
          }),
        ]),
      );
      expect(errors).toEqual([]);
      expect(ok).toBe(2);
    }
    expect(racing.deadlocks()).toBe(0);
  });

  it("one customer's open transaction never holds up another customer's invoice and payment", async () => {
    const [first, second] = [await payment('plan_basic'), await payment('plan_basic')];
    let posted!: () => void;
    const holding = new Promise<void>((resolve) => (posted = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The first customer's invoice and payment are posted (revenue, receivable, cash) and stay uncommitted.
    const holder = b.db.transaction(async (tx) => {
      await invoiceAndPay(tx, first.customerId, b.clock.now);
      posted();
      await released;
    });
    try {
      await holding;
      // lock_timeout counts only time spent waiting for a row lock, however slow the machine:
      // before system balances were summed from entries, this waited on the revenue row and failed.
      const other = await b.db.transaction(async (tx) => {
        await tx.query("SET LOCAL lock_timeout = '3s'");
        return invoiceAndPay(tx, second.customerId, b.clock.now);
      });
      expect(other.customerId).toBe(second.customerId);
    } finally {
      release();
      await holder;
    }
    const { rows } = await b.db.query<{ balance_minor: string }>(
      "SELECT balance_minor::text FROM account_balances WHERE kind = 'cash' AND currency = 'USD'",
    );
    const paid = await b.db.query<{ total: string }>(
      "SELECT (sum(amount_minor) - (SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE currency = 'USD'))::text AS total FROM payments WHERE currency = 'USD'",
    );
    expect(rows[0]!.balance_minor).toBe(paid.rows[0]!.total);
  });

  it("an open renewal sweep never holds up another customer's invoice and payment", async () => {
    const { customerId: renewing } = await payment('plan_basic');
    b.advance(40); // its period has ended; customers onboarded from here on are not due
    const { customerId: other } = await payment('plan_basic');
    let swept!: (invoices: number) => void;
    const sweeping = new Promise<number>((resolve) => (swept = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const sweep = b.db.transaction(async (tx) => {
      const issued = await renewDueSubscriptions(tx, { now: b.clock.now, termsDays: 14, limit: 50 });
      swept(issued.filter((i) => i.invoice.customerId === renewing).length);
      await released;
    });
    try {
      expect(await sweeping).toBeGreaterThan(0);
      const invoice = await b.db.transaction(async (tx) => {
        await tx.query("SET LOCAL lock_timeout = '3s'");
        return invoiceAndPay(tx, other, b.clock.now);
      });
      expect(invoice.customerId).toBe(other);
    } finally {
      release();
      await sweep;
    }
  });
});
