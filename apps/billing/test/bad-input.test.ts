import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeSubscriptionPlan } from '../src/tools/change-subscription-plan.js';
import { createInvoice } from '../src/tools/create-invoice.js';
import { getCustomerBillingSummary } from '../src/tools/get-customer-billing-summary.js';
import { grantAccountCredit } from '../src/tools/grant-account-credit.js';
import { issueRefund } from '../src/tools/issue-refund.js';
import { onboardCustomer } from '../src/tools/onboard-customer.js';
import { recordPaymentTool } from '../src/tools/record-payment.js';
import { call, callError, rowCounts, setupBilling, type Billing } from './support/billing.js';
import { addTestPlans } from './support/plans.js';

let b: Billing;
let customer = '';
let invoice = '';
let paymentId = '';
const KEY = { idempotency_key: 'bad-input-0001' };

beforeAll(async () => {
  b = await setupBilling();
  await addTestPlans(b.db);
  const { data } = await call(b, onboardCustomer, { name: 'Careful Co', plan_id: 'plan_basic' });
  customer = data.customer.customer_id;
  invoice = data.first_invoice!.invoice_id;
  paymentId = (
    await call(b, recordPaymentTool, {
      invoice_id: invoice,
      amount_minor: 1000,
      currency: 'USD',
      method: 'card',
    })
  ).data.payment.payment_id;
});
afterAll(async () => b.close());

/** The schema refuses `args`, naming `field`. */
function rejects(
  tool: {
    input: {
      safeParse(v: unknown): {
        success: boolean;
        error?: { issues: { path: PropertyKey[]; message: string }[] };
      };
    };
  },
  args: Record<string, unknown>,
  field: string,
): string {
  const result = tool.input.safeParse({ ...KEY, ...args });
  expect(result.success).toBe(false);
  const issue = result.error!.issues.find((i) => i.path.map(String).join('.').startsWith(field));
  expect(issue, `an issue on ${field}`).toBeDefined();
  return issue!.message;
}

const payment = (extra: Record<string, unknown>) => ({
  invoice_id: invoice,
  amount_minor: 500,
  currency: 'USD',
  method: 'card',
  ...extra,
});

describe('schema-level rejections', () => {
  it('negative, zero, fractional, unsafe and non-numeric minor units', () => {
    expect(rejects(recordPaymentTool, payment({ amount_minor: -500 }), 'amount_minor')).toContain(
      'greater than zero',
    );
    expect(rejects(recordPaymentTool, payment({ amount_minor: 0 }), 'amount_minor')).toContain(
      'greater than zero',
    );
    expect(rejects(recordPaymentTool, payment({ amount_minor: 12.5 }), 'amount_minor')).toContain(
      'whole number of minor units',
    );
    rejects(recordPaymentTool, payment({ amount_minor: 2 ** 53 }), 'amount_minor');
    rejects(recordPaymentTool, payment({ amount_minor: '500' }), 'amount_minor');
    rejects(recordPaymentTool, payment({ amount_minor: Number.POSITIVE_INFINITY }), 'amount_minor');
    rejects(
      issueRefund,
      { payment_id: paymentId, amount_minor: -1, currency: 'USD', reason: 'Negative' },
      'amount_minor',
    );
    rejects(
      grantAccountCredit,
      { customer_id: customer, amount_minor: 0.01, currency: 'USD', reason: 'Fraction' },
      'amount_minor',
    );
    rejects(
      createInvoice,
      { customer_id: customer, currency: 'USD', lines: [{ description: 'x', unit_amount_minor: -100 }] },
      'lines.0.unit_amount_minor',
    );
    rejects(
      createInvoice,
      {
        customer_id: customer,
        currency: 'USD',
        lines: [{ description: 'x', quantity: 1.5, unit_amount_minor: 100 }],
      },
      'lines.0.quantity',
    );
  });

  it('malformed currencies', () => {
    expect(rejects(recordPaymentTool, payment({ currency: 'usd' }), 'currency')).toContain('ISO 4217');
    rejects(recordPaymentTool, payment({ currency: 'US' }), 'currency');
    rejects(recordPaymentTool, payment({ currency: 'USDX' }), 'currency');
  });

  it('huge strings and too many lines', () => {
    const huge = 'x'.repeat(100_000);
    rejects(onboardCustomer, { name: huge, plan_id: 'plan_basic' }, 'name');
    rejects(onboardCustomer, { name: 'Ok', plan_id: huge }, 'plan_id');
    rejects(
      onboardCustomer,
      { name: 'Ok', email: `${'a'.repeat(300)}@example.com`, plan_id: 'plan_basic' },
      'email',
    );
    rejects(issueRefund, { payment_id: paymentId, currency: 'USD', reason: 'r'.repeat(501) }, 'reason');
    rejects(recordPaymentTool, payment({ provider_reference: huge }), 'provider_reference');
    rejects(getCustomerBillingSummary, { customer: huge }, 'customer');
    rejects(
      createInvoice,
      { customer_id: customer, currency: 'USD', lines: [{ description: huge, unit_amount_minor: 1 }] },
      'lines.0.description',
    );
    const lines = Array.from({ length: 101 }, () => ({ description: 'x', unit_amount_minor: 1 }));
    rejects(createInvoice, { customer_id: customer, currency: 'USD', lines }, 'lines');
    rejects(createInvoice, { customer_id: customer, currency: 'USD', lines: [] }, 'lines');
  });

  it('missing idempotency keys and bad times', () => {
    expect(recordPaymentTool.input.safeParse(payment({})).success).toBe(false);
    expect(recordPaymentTool.input.safeParse({ ...payment({}), idempotency_key: 'short' }).success).toBe(
      false,
    );
    rejects(recordPaymentTool, payment({ received_at: 'yesterday' }), 'received_at');
    rejects(
      changeSubscriptionPlan,
      { customer_id: customer, new_plan_id: 'plan_pro', when: 'tomorrow' },
      'when',
    );
  });
});

describe('business-level rejections write nothing', () => {
  const cases: [string, () => Promise<{ code: string; message: string }>, string, string][] = [
    [
      'unknown currency',
      () => callError(b, recordPaymentTool, payment({ currency: 'XYZ' })),
      'invalid_argument',
      "currency: 'XYZ' is not a currency",
    ],
    [
      "currency not the invoice's",
      () => callError(b, recordPaymentTool, payment({ currency: 'EUR' })),
      'invalid_argument',
      'which is in USD',
    ],
    [
      "currency not the customer's",
      () =>
        callError(b, createInvoice, {
          customer_id: customer,
          currency: 'JPY',
          lines: [{ description: 'x', unit_amount_minor: 100 }],
        }),
      'invalid_argument',
      'which is in USD',
    ],
    [
      'credit in another currency',
      () =>
        callError(b, grantAccountCredit, {
          customer_id: customer,
          amount_minor: 100,
          currency: 'KWD',
          reason: 'Wrong unit',
        }),
      'invalid_argument',
      'which is in USD',
    ],
    [
      'refund in another currency',
      () =>
        callError(b, issueRefund, {
          payment_id: paymentId,
          amount_minor: 100,
          currency: 'GBP',
          reason: 'Wrong unit',
        }),
      'invalid_argument',
      'which is in USD',
    ],
    [
      'unknown invoice',
      () => callError(b, recordPaymentTool, payment({ invoice_id: 'inv_doesnotexist' })),
      'not_found',
      'invoice_id',
    ],
    [
      'unknown customer',
      () =>
        callError(b, createInvoice, {
          customer_id: 'cus_doesnotexist',
          currency: 'USD',
          lines: [{ description: 'x', unit_amount_minor: 1 }],
        }),
      'not_found',
      'customer_id',
    ],
    [
      'unknown payment',
      () => callError(b, issueRefund, { payment_id: 'pay_doesnotexist', currency: 'USD', reason: 'Nothing' }),
      'not_found',
      'payment_id',
    ],
    [
      'unknown plan',
      () =>
        callError(b, changeSubscriptionPlan, {
          customer_id: customer,
          new_plan_id: 'plan_doesnotexist',
          when: 'now',
        }),
      'not_found',
      'new_plan_id',
    ],
    [
      'due date in the past',
      () =>
        callError(b, createInvoice, {
          customer_id: customer,
          currency: 'USD',
          due_at: '2020-01-01T00:00:00Z',
          lines: [{ description: 'x', unit_amount_minor: 1 }],
        }),
      'invalid_argument',
      'due_at',
    ],
    [
      'credit already expired',
      () =>
        callError(b, grantAccountCredit, {
          customer_id: customer,
          amount_minor: 100,
          currency: 'USD',
          reason: 'Late',
          expires_at: '2020-01-01T00:00:00Z',
        }),
      'invalid_argument',
      'expires_at',
    ],
    [
      'payment received in the future',
      () => callError(b, recordPaymentTool, payment({ received_at: '2030-01-01T00:00:00Z' })),
      'invalid_argument',
      'received_at',
    ],
    [
      'total beyond the safe range',
      () =>
        callError(b, createInvoice, {
          customer_id: customer,
          currency: 'USD',
          lines: [{ description: 'x', quantity: 1000, unit_amount_minor: Number.MAX_SAFE_INTEGER }],
        }),
      'invalid_argument',
      'lines',
    ],
    [
      'refund above the captured amount',
      () =>
        callError(b, issueRefund, {
          payment_id: paymentId,
          amount_minor: 1001,
          currency: 'USD',
          reason: 'Too much',
        }),
      'precondition_failed',
      'refundable',
    ],
    [
      'negative amount past the schema',
      () => callError(b, recordPaymentTool, payment({ amount_minor: -5 })),
      'invalid_argument',
      'amount_minor',
    ],
  ];

  it.each(cases)('%s', async (_name, run, code, text) => {
    const before = await rowCounts(b.db);
    const error = await run();
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
    expect(await rowCounts(b.db)).toEqual(before);
  });
});

describe('dates', () => {
  it('refuses impossible calendar dates', () => {
    rejects(
      grantAccountCredit,
      {
        customer_id: 'cus_x',
        amount_minor: 1,
        currency: 'USD',
        reason: 'Feb',
        expires_at: '2026-02-30T00:00:00Z',
      },
      'expires_at',
    );
    expect(
      grantAccountCredit.input.safeParse({
        ...KEY,
        customer_id: 'cus_x',
        amount_minor: 1,
        currency: 'USD',
        reason: 'Leap',
        expires_at: '2028-02-29T12:00:00+02:00',
      }).success,
    ).toBe(true);
  });
});
