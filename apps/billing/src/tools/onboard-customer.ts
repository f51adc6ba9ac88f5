import { idempotencyKey } from '@bounded/core';
import { z } from 'zod';
import { clockOf } from '../config.js';
import { defineBillingTool } from './define-billing-tool.js';
import { formatMoney } from '../domain/money.js';
import { isoDate } from '../domain/periods.js';
import { createCustomer } from '../store/customers.js';
import { requireActivePlan } from '../store/plans.js';
import { startSubscription } from '../store/subscriptions.js';
import {
  CustomerOut,
  customerOut,
  InvoiceOut,
  invoiceOut,
  SubscriptionOut,
  subscriptionOut,
} from './shapes.js';

export const onboardCustomer = defineBillingTool({
  name: 'onboard_customer',
  title: 'Onboard a customer',
  description:
    "Creates a customer, subscribes them to a plan from today and invoices the first period (or starts a free trial, invoiced when it ends); the customer's currency is the plan's. An email in use is refused with conflict and that customer's id. Takes no payment (use record_payment).",
  input: z.object({
    name: z.string().trim().min(1).max(200).describe('Customer or company name.'),
    email: z.email().max(254).optional().describe('Billing email; finds the customer later.'),
    plan_id: z.string().min(1).max(80).describe('Plan to subscribe to (plan_…), from billing://plans.'),
    trial_days: z
      .number()
      .int()
      .min(0)
      .max(365)
      .optional()
      .describe("Trial days; 0 invoices the first period now. Default: the plan's."),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({
    customer: CustomerOut,
    subscription: SubscriptionOut,
    first_invoice: InvoiceOut.nullable().describe('null during a trial'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'transactional',
  scopes: ['billing:write'],
  async handler(input, ctx) {
    const now = clockOf(ctx.deps);
    const plan = await requireActivePlan(ctx.tx, input.plan_id, 'plan_id');
    const customer = await createCustomer(ctx.tx, {
      name: input.name,
      email: input.email ?? null,
      currency: plan.currency,
      now,
    });
    const { subscription, issued } = await startSubscription(ctx.tx, {
      customerId: customer.id,
      plan,
      trialDays: input.trial_days ?? plan.trialDays,
      now,
      termsDays: ctx.deps.config.BILLING_PAYMENT_TERMS_DAYS,
    });
    const price = `${formatMoney(plan.priceMinor, plan.currency)}/${plan.interval}`;
    const next = issued
      ? `First invoice ${issued.invoice.id}: ${formatMoney(issued.invoice.totalMinor, plan.currency)}, due ${isoDate(new Date(issued.invoice.dueAt))}.`
      : `Trial until ${isoDate(new Date(subscription.currentPeriodEnd))}; the first invoice is issued when it ends.`;
    return {
      data: {
        customer: customerOut(customer),
        subscription: subscriptionOut(subscription, plan),
        first_invoice: issued ? invoiceOut(issued.invoice, now) : null,
      },
      text: `Onboarded ${customer.name} (${customer.id}) on ${plan.name} (${price}), subscription ${subscription.id}. ${next}`,
    };
  },
});
