import { ToolError } from '@bounded/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { grantAccountCredit } from '../src/tools/grant-account-credit.js';
import { onboardCustomer } from '../src/tools/onboard-customer.js';
import { call, callError, rowCounts, setupBilling, type Billing } from './support/billing.js';
import { invariantViolations } from './support/invariants.js';
import { addTestPlans } from './support/plans.js';

// USD: confirm above USD 50.00 granted today, at most USD 200.00 a grant and USD 300.00 a day.
const ENV = {
  BILLING_CREDIT_CONFIRM_ABOVE_MINOR: '5000',
  BILLING_CREDIT_GRANT_CAP_MINOR: '20000',
  BILLING_DAILY_CREDIT_CAP_MINOR: '30000',
};

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
async function customer(): Promise<string> {
  seq += 1;
  const { data } = await call(b, onboardCustomer, { name: `Credit customer ${seq}`, plan_id: 'plan_pro' });
  return data.customer.customer_id;
}

const grant = (customerId: string, amount: number, principal: string, confirmations?: string[]) =>
  call(
    b,
    grantAccountCredit,
    { customer_id: customerId, amount_minor: amount, currency: 'USD', reason: 'Goodwill' },
    { principal, ...(confirmations ? { confirmations } : {}) },
  );

const decline = () => {
  throw new ToolError('permission_denied', 'The person did not approve.');
};

describe('grant_account_credit limits', () => {
  it('refuses a grant above the per-grant cap and writes nothing, open invoices stay open', async () => {
    const customerId = await customer();
    const before = await rowCounts(b.db);
    const error = await callError(
      b,
      grantAccountCredit,
      { customer_id: customerId, amount_minor: 9_000_000_000_000, currency: 'USD', reason: 'Whoops' },
      { principal: 'op-huge' },
    );
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain('One credit grant may give at most USD 200.00');
    expect(error.details).toMatchObject({ cap_minor: 20000, allowed_minor: 20000 });
    expect(await rowCounts(b.db)).toEqual(before);
  });

  it("holds each operator's daily credit cap until the next UTC day", async () => {
    const customerId = await customer();
    await grant(customerId, 20000, 'op-daily');
    await grant(customerId, 9000, 'op-daily');
    const over = await callError(
      b,
      grantAccountCredit,
      { customer_id: customerId, amount_minor: 1001, currency: 'USD', reason: 'More' },
      { principal: 'op-daily' },
    );
    expect(over.code).toBe('precondition_failed');
    expect(over.message).toContain('daily credit cap of USD 300.00; USD 10.00 is left today');
    expect(over.details).toMatchObject({ allowed_minor: 1000 });
    // Another operator has a cap of their own; the same operator gets a new one tomorrow.
    await grant(customerId, 1001, 'op-other');
    b.advance(1);
    await grant(customerId, 1001, 'op-daily');
  });

  it("asks before a grant that takes the operator's grants today past the threshold; a refusal writes nothing", async () => {
    const customerId = await customer();
    const asked: string[] = [];
    await grant(customerId, 3000, 'op-ask', asked);
    expect(asked).toEqual([]);
    const before = await rowCounts(b.db);
    const error = await callError(
      b,
      grantAccountCredit,
      { customer_id: customerId, amount_minor: 3000, currency: 'USD', reason: 'Second goodwill' },
      { principal: 'op-ask', confirmations: asked, confirm: decline },
    );
    expect(error.code).toBe('permission_denied');
    expect(asked).toEqual([
      expect.stringMatching(
        /^Grant USD 30\.00 of account credit to Credit customer \d+\? Your credit grants today would total USD 60\.00\. It settles their open invoices at once\. Reason: Second goodwill$/,
      ),
    ]);
    expect(await rowCounts(b.db)).toEqual(before);
  });

  it('is marked destructive, so hosts treat it with care', () => {
    expect(grantAccountCredit.annotations.destructiveHint).toBe(true);
  });
});
