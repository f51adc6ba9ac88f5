import { ToolError } from '@bounded/core';
import { hasRealPostgres } from '@bounded/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refundPolicyOf } from '../src/config.js';
import { issueRefund as issueRefundInStore, planRefund } from '../src/store/refunds.js';
import { createInvoice } from '../src/tools/create-invoice.js';
import { grantAccountCredit } from '../src/tools/grant-account-credit.js';
import { issueRefund } from '../src/tools/issue-refund.js';
import { onboardCustomer } from '../src/tools/onboard-customer.js';
import { recordPaymentTool } from '../src/tools/record-payment.js';
import { call, countingDeadlocks, setupBilling, type Billing } from './support/billing.js';
import { invariantViolations } from './support/invariants.js';
import { addTestPlans } from './support/plans.js';

/** Resolves once `parties` callers are waiting, so they all proceed together. */
function barrier(parties: number): () => Promise<void> {
  let waiting = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async () => {
    waiting += 1;
    if (waiting === parties) release();
    await all;
  };
}

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
    const bothPlanned = barrier(2);
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
        await bothPlanned(); // both checked "6000 ≤ 9300 refundable" before either wrote
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

  it('the same race through the tool: both confirmed, one refund', async () => {
    const { paymentId } = await payment();
    const bothConfirmed = barrier(2);
    // The person is asked after the checks and before any write; both say yes at the same moment.
    const attempts = ['op-1', 'op-2'].map((principal) =>
      call(
        b,
        issueRefund,
        { payment_id: paymentId, amount_minor: 5000, currency: 'USD', reason: `Race ${principal}` },
        { principal, confirm: () => bothConfirmed() },
      ),
    );
    const { ok, errors } = outcomes(await Promise.allSettled(attempts));
    expect(ok).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(['precondition_failed']);
    // Through the tool means through the wrapper: both calls were audited under their principals.
    const { rows } = await b.db.query<{ principal: string }>(
      "SELECT principal FROM bounded_audit WHERE tool = 'issue_refund' AND principal IN ('op-1', 'op-2') ORDER BY principal",
    );
    expect(rows.map((r) => r.principal)).toEqual(['op-1', 'op-2']);
  });

  it('concurrent refunds by one operator never exceed the daily cap', async () => {
    const payments = await Promise.all([1, 2, 3, 4, 5].map(() => payment()));
    const allChecked = barrier(payments.length);
    // Cap USD 100.00; five refunds of USD 30.00 each pass the early check, then meet at the cap row.
    const attempts = payments.map((p) =>
      call(
        b,
        issueRefund,
        { payment_id: p.paymentId, amount_minor: 3000, currency: 'USD', reason: 'Batch' },
        { principal: 'op-batch', confirm: () => allChecked() },
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
});
