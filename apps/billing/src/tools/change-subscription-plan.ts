import { idempotencyKey } from '@bounded/core';
import { z } from 'zod';
import { clockOf } from '../config.js';
import { formatMoney } from '../domain/money.js';
import { isoDate } from '../domain/periods.js';
import { requireCustomer } from '../store/customers.js';
import { requireActivePlan, type Plan } from '../store/plans.js';
import type { PlanChangeQuote } from '../domain/proration.js';
import type { IssuedInvoice } from '../store/invoicing.js';
import { changePlanNow, schedulePlanChange, type PlanChange } from '../store/plan-changes.js';
import { defineBillingTool } from './define-billing-tool.js';
import { customerId, InvoiceOut, invoiceOut, SubscriptionOut, subscriptionOut } from './shapes.js';

const ProrationLineOut = z.object({
  kind: z.enum(['proration_credit', 'proration_charge']),
  description: z.string(),
  amount_minor: z.number().int().describe('Negative for the credit on the old plan'),
  amount: z.string(),
});

function prorationOut(quote: PlanChangeQuote, currency: string) {
  return {
    remaining_days: quote.remainingDays,
    period_days: quote.periodDays,
    lines: quote.lines.map((l) => ({
      kind: l.kind,
      description: l.description,
      amount_minor: Number(l.amountMinor),
      amount: formatMoney(l.amountMinor, currency),
    })),
    net_minor: Number(quote.netMinor),
  };
}

// Just the identity and total: credit from the change itself may settle part of it afterwards.
const RenewalOut = z.object({ invoice_id: z.string(), total_minor: z.number().int(), total: z.string() });

function renewalOut({ invoice }: IssuedInvoice): z.input<typeof RenewalOut> {
  return {
    invoice_id: invoice.id,
    total_minor: Number(invoice.totalMinor),
    total: formatMoney(invoice.totalMinor, invoice.currency),
  };
}

/** Names the invoices for periods that had ended before the change (usually there are none). */
function renewalsText(renewals: IssuedInvoice[], planName: string): string {
  if (renewals.length === 0) return '';
  const invoices = renewals
    .map(({ invoice }) => `${invoice.id} (${formatMoney(invoice.totalMinor, invoice.currency)})`)
    .join(', ');
  return ` First, periods that had already ended were invoiced on ${planName}: ${invoices}.`;
}

/** The proration lines, then what they came to. */
function changeText(change: PlanChange, currency: string): string {
  const money = (amount: bigint) => formatMoney(amount, currency);
  if (!change.quote) return ' The trial continues on the new plan.';
  const lines = change.quote.lines.map((l) => `\n- ${l.description}: ${money(l.amountMinor)}`).join('');
  const { netMinor } = change.quote;
  const invoice = change.issued?.invoice;
  if (netMinor < 0n) return `${lines}\nNet ${money(netMinor)}: ${money(-netMinor)} became account credit.`;
  return `${lines}\nNet ${money(netMinor)} on ${invoice?.id ?? 'no invoice'}, amount due ${money(invoice?.amountDueMinor ?? 0n)}.`;
}

/** The question put to the person before an immediate change, with what it charges today. */
function confirmationText(customerName: string, change: PlanChange, plan: Plan): string {
  const money = (amount: bigint) => formatMoney(amount, plan.currency);
  const question = `Move ${customerName} from ${change.previousPlan.name} to ${plan.name} now?`;
  const renewals = change.renewals.reduce((sum, r) => sum + r.invoice.totalMinor, 0n);
  const before =
    renewals > 0n ? ` Ended periods are first invoiced on the old plan: ${money(renewals)}.` : '';
  if (!change.quote) return `${question}${before} The trial continues on the new plan.`;
  const { netMinor } = change.quote;
  const effect =
    netMinor < 0n
      ? ` ${money(-netMinor)} of unused time becomes account credit.`
      : ` This invoices ${money(netMinor)} today.`;
  return `${question}${before}${effect}`;
}

export const changeSubscriptionPlan = defineBillingTool({
  name: 'change_subscription_plan',
  title: 'Change subscription plan',
  description:
    "Moves a customer's subscription to another plan in the same currency. when='now' asks the person first, " +
    "switches today and invoices the difference prorated to the day, line by line: a credit for the old plan's " +
    'unused days and a charge for the same days of the new one (monthly ↔ yearly starts a new period, charged in ' +
    'full); halves round up. A surplus becomes account credit; account credit is applied to the invoice. ' +
    "when='period_end' switches at the next renewal, charging nothing now (replaces any earlier schedule). During a " +
    'trial the plan just switches. A period that ended before its renewal ran is first invoiced on the old plan ' +
    '(renewal_invoices). Does not cancel subscriptions.',
  input: z.object({
    customer_id: customerId,
    new_plan_id: z.string().min(1).max(80).describe('Plan to move to (plan_…), from billing://plans.'),
    when: z.enum(['now', 'period_end']),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({
    subscription: SubscriptionOut,
    previous_plan_id: z.string(),
    effective_at: z.string().describe('When the new plan takes over'),
    proration: z
      .object({
        remaining_days: z.number().int(),
        period_days: z.number().int(),
        lines: z.array(ProrationLineOut),
        net_minor: z.number().int().describe('Positive: charged; negative: became account credit'),
      })
      .nullable()
      .describe("null for 'period_end' and during a trial"),
    invoice: InvoiceOut.nullable(),
    renewal_invoices: z.array(RenewalOut),
  }),
  // Destructive: an immediate change can invoice a full new year at once, so it asks first.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  effects: 'transactional',
  scopes: ['billing:write'],
  async handler(input, ctx) {
    const now = clockOf(ctx.deps);
    const customer = await requireCustomer(ctx.tx, input.customer_id);
    const plan = await requireActivePlan(ctx.tx, input.new_plan_id, 'new_plan_id');
    const request = {
      customerId: customer.id,
      plan,
      now,
      termsDays: ctx.deps.config.BILLING_PAYMENT_TERMS_DAYS,
    };
    if (input.when === 'period_end') {
      const { subscription, previousPlan, renewals } = await schedulePlanChange(ctx.tx, request);
      return {
        data: {
          subscription: subscriptionOut(subscription, previousPlan),
          previous_plan_id: previousPlan.id,
          effective_at: subscription.currentPeriodEnd,
          proration: null,
          invoice: null,
          renewal_invoices: renewals.map(renewalOut),
        },
        text: `${customer.name} moves from ${previousPlan.name} to ${plan.name} on ${isoDate(new Date(subscription.currentPeriodEnd))}; nothing is charged now.${renewalsText(renewals, previousPlan.name)}`,
      };
    }
    const change = await changePlanNow(ctx.tx, request);
    // Asked after the change is priced and before it commits, so the person approves the exact
    // amounts; declining (or a client that cannot ask) rolls everything back.
    await ctx.confirm(confirmationText(customer.name, change, plan));
    const invoice = change.issued?.invoice;
    return {
      data: {
        subscription: subscriptionOut(change.subscription, plan),
        previous_plan_id: change.previousPlan.id,
        effective_at: now.toISOString(),
        proration: change.quote ? prorationOut(change.quote, plan.currency) : null,
        invoice: invoice ? invoiceOut(invoice, now) : null,
        renewal_invoices: change.renewals.map(renewalOut),
      },
      text: `${customer.name} moved from ${change.previousPlan.name} to ${plan.name} today.${renewalsText(change.renewals, change.previousPlan.name)}${changeText(change, plan.currency)}`,
    };
  },
});
