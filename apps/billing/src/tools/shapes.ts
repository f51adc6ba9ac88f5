import { z } from 'zod';
import { displayStatus } from '../domain/invoice.js';
import { formatMoney, toNumber } from '../domain/money.js';
import type { CreditLot } from '../store/credits.js';
import type { Customer } from '../store/customers.js';
import type { Invoice, InvoiceLine } from '../store/invoices.js';
import type { Payment } from '../store/payments.js';
import type { Plan } from '../store/plans.js';
import type { Refund } from '../store/refunds.js';
import type { Subscription } from '../store/subscriptions.js';

// Input pieces shared by the tools, with the limits every tool applies.
export const minorAmount = (what: string) =>
  z
    .number()
    .int({ error: `${what} must be a whole number of minor units (e.g. cents), not a fraction` })
    .positive({ error: `${what} must be greater than zero` })
    .max(Number.MAX_SAFE_INTEGER)
    .describe(`${what}, minor units (1234 = USD 12.34).`);

export const currencyCode = (what: string) =>
  z
    .string()
    .regex(/^[A-Z]{3}$/, { error: 'currency must be a three-letter upper-case ISO 4217 code such as USD' })
    .describe(`${what} (ISO 4217); must match, never converted.`);

export const customerId = z.string().min(1).max(80).describe('Customer id (cus_…).');
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
const RFC3339_ERROR = 'must be an RFC 3339 date-time such as 2026-03-10T00:00:00Z';
// A short pattern plus a real-date check: zod's own date-time pattern would add ~300 characters to tools/list per field.
export const rfc3339 = z
  .string()
  .regex(RFC3339, { error: RFC3339_ERROR })
  .refine(isRealDateTime, { error: RFC3339_ERROR });

function isRealDateTime(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && !Number.isNaN(Date.parse(text));
}
export const reasonText = z.string().trim().min(3).max(500);

// Output shapes.
const minor = z.number().int();
// Times are RFC 3339 UTC strings everywhere (said once, in the server instructions, to keep tools/list small).
const time = z.string();

export const CustomerOut = z.object({
  customer_id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  currency: z.string(),
  created_at: time,
});

export const InvoiceOut = z.object({
  invoice_id: z.string(),
  customer_id: z.string(),
  currency: z.string(),
  status: z.enum(['paid', 'overdue', 'partially_paid', 'open']),
  issued_at: time,
  due_at: time,
  paid_at: time.nullable(),
  total_minor: minor,
  credit_applied_minor: minor,
  amount_paid_minor: minor,
  amount_due_minor: minor,
  total: z.string(),
  amount_due: z.string(),
});

export const LineOut = z.object({
  position: z.number().int(),
  kind: z.enum(['charge', 'subscription', 'proration_credit', 'proration_charge']),
  description: z.string(),
  quantity: z.number().int(),
  unit_amount_minor: minor,
  amount_minor: minor,
  amount: z.string(),
});

export const PaymentOut = z.object({
  payment_id: z.string(),
  invoice_id: z.string(),
  currency: z.string(),
  amount_minor: minor,
  applied_minor: minor,
  credited_minor: minor.describe('Overpayment turned into account credit'),
  refunded_minor: minor,
  refundable_minor: minor,
  amount: z.string(),
  method: z.string(),
  provider: z.string(),
  provider_reference: z.string().nullable(),
  received_at: time,
});

export const RefundOut = z.object({
  refund_id: z.string(),
  payment_id: z.string(),
  currency: z.string(),
  amount_minor: minor,
  from_credit_minor: minor.describe('Part taken back from unused overpayment credit'),
  amount: z.string(),
  reason: z.string(),
  operator_id: z.string(),
  created_at: time,
});

export const CreditOut = z.object({
  credit_id: z.string(),
  currency: z.string(),
  source: z.enum(['grant', 'overpayment', 'proration']),
  amount_minor: minor,
  remaining_minor: minor,
  remaining: z.string(),
  reason: z.string().nullable(),
  expires_at: time.nullable(),
});

export const SubscriptionOut = z.object({
  subscription_id: z.string(),
  status: z.enum(['trialing', 'active', 'canceled']),
  plan_id: z.string(),
  plan_name: z.string(),
  price_minor: minor,
  currency: z.string(),
  interval: z.enum(['month', 'year']),
  current_period_start: time,
  current_period_end: time,
  trial_end: time.nullable(),
  pending_plan_id: z.string().nullable().describe('Plan taking over at current_period_end'),
});

export function customerOut(c: Customer): z.input<typeof CustomerOut> {
  return { customer_id: c.id, name: c.name, email: c.email, currency: c.currency, created_at: c.createdAt };
}

export function invoiceOut(i: Invoice, now: Date): z.input<typeof InvoiceOut> {
  return {
    invoice_id: i.id,
    customer_id: i.customerId,
    currency: i.currency,
    status: displayStatus(
      { amountDueMinor: i.amountDueMinor, totalMinor: i.totalMinor, dueAt: new Date(i.dueAt) },
      now,
    ),
    issued_at: i.issuedAt,
    due_at: i.dueAt,
    paid_at: i.paidAt,
    total_minor: toNumber(i.totalMinor),
    credit_applied_minor: toNumber(i.creditAppliedMinor),
    amount_paid_minor: toNumber(i.amountPaidMinor),
    amount_due_minor: toNumber(i.amountDueMinor),
    total: formatMoney(i.totalMinor, i.currency),
    amount_due: formatMoney(i.amountDueMinor, i.currency),
  };
}

export function lineOut(l: InvoiceLine, currency: string): z.input<typeof LineOut> {
  return {
    position: l.position,
    kind: l.kind,
    description: l.description,
    quantity: l.quantity,
    unit_amount_minor: toNumber(l.unitAmountMinor),
    amount_minor: toNumber(l.amountMinor),
    amount: formatMoney(l.amountMinor, currency),
  };
}

export function paymentOut(p: Payment): z.input<typeof PaymentOut> {
  return {
    payment_id: p.id,
    invoice_id: p.invoiceId,
    currency: p.currency,
    amount_minor: toNumber(p.amountMinor),
    applied_minor: toNumber(p.appliedMinor),
    credited_minor: toNumber(p.creditedMinor),
    refunded_minor: toNumber(p.refundedMinor),
    refundable_minor: toNumber(p.amountMinor - p.refundedMinor),
    amount: formatMoney(p.amountMinor, p.currency),
    method: p.method,
    provider: p.provider,
    provider_reference: p.providerReference,
    received_at: p.receivedAt,
  };
}

export function refundOut(r: Refund): z.input<typeof RefundOut> {
  return {
    refund_id: r.id,
    payment_id: r.paymentId,
    currency: r.currency,
    amount_minor: toNumber(r.amountMinor),
    from_credit_minor: toNumber(r.fromCreditMinor),
    amount: formatMoney(r.amountMinor, r.currency),
    reason: r.reason,
    operator_id: r.operatorId,
    created_at: r.createdAt,
  };
}

export function creditOut(c: CreditLot): z.input<typeof CreditOut> {
  return {
    credit_id: c.id,
    currency: c.currency,
    source: c.source,
    amount_minor: toNumber(c.amountMinor),
    remaining_minor: toNumber(c.remainingMinor),
    remaining: formatMoney(c.remainingMinor, c.currency),
    reason: c.reason,
    expires_at: c.expiresAt,
  };
}

export function subscriptionOut(s: Subscription, plan: Plan): z.input<typeof SubscriptionOut> {
  return {
    subscription_id: s.id,
    status: s.status,
    plan_id: plan.id,
    plan_name: plan.name,
    price_minor: toNumber(plan.priceMinor),
    currency: plan.currency,
    interval: plan.interval,
    current_period_start: s.currentPeriodStart,
    current_period_end: s.currentPeriodEnd,
    trial_end: s.trialEnd,
    pending_plan_id: s.pendingPlanId,
  };
}
