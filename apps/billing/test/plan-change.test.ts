import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renewDueSubscriptions, renewSubscription } from '../src/store/subscriptions.js';
import { changeSubscriptionPlan } from '../src/tools/change-subscription-plan.js';
import { onboardCustomer } from '../src/tools/onboard-customer.js';
import { recordPaymentTool } from '../src/tools/record-payment.js';
import { call, callError, setupBilling, type Billing } from './support/billing.js';
import { invariantViolations } from './support/invariants.js';
import { addTestPlans } from './support/plans.js';

let b: Billing;
const START = new Date('2026-03-10T09:00:00Z');
beforeAll(async () => {
  b = await setupBilling({}, START);
  await addTestPlans(b.db);
});
afterAll(async () => b.close());
afterEach(async () => {
  expect(await invariantViolations(b.db)).toEqual([]);
  b.clock.now = START;
});

let seq = 0;
async function onboard(plan: string, pay = true) {
  seq += 1;
  const { data } = await call(b, onboardCustomer, { name: `Plan customer ${seq}`, plan_id: plan });
  if (pay && data.first_invoice) {
    await call(b, recordPaymentTool, {
      invoice_id: data.first_invoice.invoice_id,
      amount_minor: data.first_invoice.total_minor,
      currency: data.customer.currency,
      method: 'card',
    });
  }
  return data;
}

describe('change_subscription_plan', () => {
  it('upgrades now, prorated to the day and shown line by line', async () => {
    const start = await onboard('plan_basic'); // period 2026-03-10 to 2026-04-10: 31 days
    b.advance(9); // 2026-03-19: 22 days left
    const { data, text } = await call(b, changeSubscriptionPlan, {
      customer_id: start.customer.customer_id,
      new_plan_id: 'plan_pro',
      when: 'now',
    });
    expect(data.proration).toEqual({
      remaining_days: 22,
      period_days: 31,
      lines: [
        {
          kind: 'proration_credit',
          description: 'Unused time on Basic, 2026-03-19 to 2026-04-10 (22 of 31 days)',
          amount_minor: -2200,
          amount: 'USD -22.00',
        },
        {
          kind: 'proration_charge',
          description: 'Remaining time on Pro, 2026-03-19 to 2026-04-10 (22 of 31 days)',
          amount_minor: 6600,
          amount: 'USD 66.00',
        },
      ],
      net_minor: 4400,
    });
    expect(data.invoice).toMatchObject({ total_minor: 4400, amount_due_minor: 4400 });
    expect(data.subscription).toMatchObject({
      plan_id: 'plan_pro',
      current_period_end: '2026-04-10T00:00:00.000Z',
      pending_plan_id: null,
    });
    expect(text).toContain('Unused time on Basic');
    expect(text).toContain('USD 44.00');
  });

  it('downgrades now: the surplus becomes credit and settles what is due', async () => {
    const start = await onboard('plan_pro', false); // USD 93.00 left unpaid
    b.advance(24); // 2026-04-03: 7 of 31 days left
    const { data, text } = await call(b, changeSubscriptionPlan, {
      customer_id: start.customer.customer_id,
      new_plan_id: 'plan_basic',
      when: 'now',
    });
    expect(data.proration?.lines.map((l) => l.amount_minor)).toEqual([-2100, 700]);
    expect(data.proration?.net_minor).toBe(-1400);
    expect(data.invoice).toMatchObject({ total_minor: 0, status: 'paid' });
    expect(text).toContain('USD 14.00 became account credit');
    const { rows } = await b.db.query<{ amount_due_minor: string }>(
      'SELECT amount_due_minor FROM invoices WHERE id = $1',
      [start.first_invoice!.invoice_id],
    );
    expect(rows[0]!.amount_due_minor).toBe('7900');
  });

  it('switching to a yearly plan starts a new period today and charges it in full', async () => {
    const start = await onboard('plan_basic');
    b.advance(9);
    const { data } = await call(b, changeSubscriptionPlan, {
      customer_id: start.customer.customer_id,
      new_plan_id: 'plan_pro_yearly',
      when: 'now',
    });
    expect(data.proration?.lines.map((l) => l.amount_minor)).toEqual([-2200, 93000]);
    expect(data.subscription).toMatchObject({
      current_period_start: '2026-03-19T00:00:00.000Z',
      current_period_end: '2027-03-19T00:00:00.000Z',
    });
  });

  it('at period end: nothing charged now, the renewal switches and invoices the new plan', async () => {
    const start = await onboard('plan_basic');
    const { data, text } = await call(b, changeSubscriptionPlan, {
      customer_id: start.customer.customer_id,
      new_plan_id: 'plan_pro',
      when: 'period_end',
    });
    expect(data).toMatchObject({ proration: null, invoice: null, effective_at: '2026-04-10T00:00:00.000Z' });
    expect(data.subscription).toMatchObject({ plan_id: 'plan_basic', pending_plan_id: 'plan_pro' });
    expect(text).toContain('nothing is charged now');
    const renewed = await b.db.transaction((tx) =>
      renewSubscription(tx, {
        subscriptionId: data.subscription.subscription_id,
        now: new Date('2026-04-10T01:00:00Z'),
        termsDays: 14,
      }),
    );
    expect(renewed?.subscription).toMatchObject({
      planId: 'plan_pro',
      pendingPlanId: null,
      currentPeriodEnd: '2026-05-10T00:00:00.000Z',
    });
    expect(renewed?.issued.invoice.totalMinor).toBe(9300n);
  });

  it('after a period ended without renewal, invoices it on the old plan first, then prorates the new one', async () => {
    const start = await onboard('plan_pro'); // period 2026-03-10 to 2026-04-10, paid
    b.clock.now = new Date('2026-04-15T09:00:00Z'); // ended five days ago; no renewal has run
    const { data, text } = await call(b, changeSubscriptionPlan, {
      customer_id: start.customer.customer_id,
      new_plan_id: 'plan_basic',
      when: 'now',
    });
    const renewal = data.renewal_invoices;
    expect(renewal).toHaveLength(1);
    expect(renewal[0]).toMatchObject({ total_minor: 9300 });
    const { rows } = await b.db.query<{ description: string }>(
      'SELECT description FROM invoice_lines WHERE invoice_id = $1',
      [renewal[0]!.invoice_id],
    );
    expect(rows).toEqual([{ description: 'Pro (monthly), 2026-04-10 to 2026-05-10' }]);
    // The current period (2026-04-10 to 2026-05-10, 30 days) has 25 days left from 2026-04-15.
    expect(data.proration).toMatchObject({ remaining_days: 25, period_days: 30, net_minor: -7750 + 2583 });
    expect(data.proration?.lines.map((l) => l.description)).toEqual([
      'Unused time on Pro, 2026-04-15 to 2026-05-10 (25 of 30 days)',
      'Remaining time on Basic, 2026-04-15 to 2026-05-10 (25 of 30 days)',
    ]);
    expect(data.subscription).toMatchObject({
      plan_id: 'plan_basic',
      current_period_start: '2026-04-10T00:00:00.000Z',
      current_period_end: '2026-05-10T00:00:00.000Z',
    });
    expect(text).toContain(renewal[0]!.invoice_id);
  });

  it('at period end after a period ended without renewal: takes effect at the next period end', async () => {
    const start = await onboard('plan_pro');
    b.clock.now = new Date('2026-04-15T09:00:00Z');
    const { data } = await call(b, changeSubscriptionPlan, {
      customer_id: start.customer.customer_id,
      new_plan_id: 'plan_basic',
      when: 'period_end',
    });
    expect(data.effective_at).toBe('2026-05-10T00:00:00.000Z');
    expect(new Date(data.effective_at).getTime()).toBeGreaterThan(b.clock.now.getTime());
    expect(data.renewal_invoices.map((i) => i.total_minor)).toEqual([9300]);
    expect(data.subscription).toMatchObject({ plan_id: 'plan_pro', pending_plan_id: 'plan_basic' });
  });

  it('during a trial, switches for free', async () => {
    const start = await onboard('plan_trial');
    const { data } = await call(b, changeSubscriptionPlan, {
      customer_id: start.customer.customer_id,
      new_plan_id: 'plan_pro',
      when: 'now',
    });
    expect(data).toMatchObject({ proration: null, invoice: null });
    expect(data.subscription).toMatchObject({ status: 'trialing', plan_id: 'plan_pro' });
  });

  it('refuses the same plan, another currency, and an unknown plan', async () => {
    const start = await onboard('plan_basic');
    const customer_id = start.customer.customer_id;
    expect(
      (await callError(b, changeSubscriptionPlan, { customer_id, new_plan_id: 'plan_basic', when: 'now' }))
        .code,
    ).toBe('precondition_failed');
    const currency = await callError(b, changeSubscriptionPlan, {
      customer_id,
      new_plan_id: 'plan_eur',
      when: 'now',
    });
    expect(currency).toMatchObject({ code: 'precondition_failed', message: expect.stringContaining('EUR') });
    expect(
      (await callError(b, changeSubscriptionPlan, { customer_id, new_plan_id: 'plan_gone', when: 'now' }))
        .code,
    ).toBe('not_found');
  });
});

describe('renewDueSubscriptions', () => {
  it('invoices every period that has ended, once, and ends trials', async () => {
    const monthly = await onboard('plan_basic');
    const trial = await onboard('plan_trial');
    const renew = (now: Date) =>
      b.db.transaction((tx) => renewDueSubscriptions(tx, { now, termsDays: 14, limit: 100 }));
    const later = new Date('2026-05-11T00:00:00Z'); // two monthly periods ended; the trial ended 2026-03-24
    const issued = await renew(later);
    const mine = (customerId: string) =>
      issued.filter((i) => i.invoice.customerId === customerId).map((i) => i.invoice.totalMinor);
    expect(mine(monthly.customer.customer_id)).toEqual([3100n, 3100n]);
    expect(mine(trial.customer.customer_id)).toEqual([1000n, 1000n]);
    expect(
      (await renew(later)).filter((i) =>
        [monthly.customer.customer_id, trial.customer.customer_id].includes(i.invoice.customerId),
      ),
    ).toEqual([]);
  });
});
