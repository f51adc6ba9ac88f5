import { z } from 'zod';
import { clockOf } from '../config.js';
import { formatMoney, toNumber } from '../domain/money.js';
import { loadCustomerSummary } from '../store/customer-summary.js';
import { attentionPoints, customerSummaryText } from '../views/customer-summary-text.js';
import { defineBillingTool } from './define-billing-tool.js';
import {
  CreditOut,
  creditOut,
  CustomerOut,
  customerOut,
  InvoiceOut,
  invoiceOut,
  PaymentOut,
  paymentOut,
  RefundOut,
  refundOut,
  SubscriptionOut,
  subscriptionOut,
} from './shapes.js';

export const getCustomerBillingSummary = defineBillingTool({
  name: 'get_customer_billing_summary',
  title: 'Customer billing summary',
  description:
    'One customer at a glance: profile, plan and any scheduled change, balance due and usable credit per currency, overdue invoices, recent invoices, payments and refunds, up to 20 usable credits (soonest expiry first), and points needing attention. For more invoices use find_invoices; for one invoice in full read billing://invoices/{invoice_id}.',
  input: z.object({
    customer: z.string().trim().min(1).max(254).describe('Customer id (cus_…) or exact email.'),
    recent: z.number().int().min(1).max(20).default(5).describe('Length of each recent list.'),
  }),
  output: z.object({
    customer: CustomerOut,
    subscription: SubscriptionOut.nullable(),
    balances: z.array(
      z.object({
        currency: z.string(),
        balance_due_minor: z.number().int(),
        balance_due: z.string(),
        credit_minor: z.number().int(),
        credit: z.string(),
      }),
    ),
    overdue: z.array(
      z.object({
        currency: z.string(),
        count: z.number().int(),
        amount_due_minor: z.number().int(),
        amount_due: z.string(),
        oldest_due_at: z.string(),
      }),
    ),
    attention: z.array(z.string()),
    recent_invoices: z.array(InvoiceOut),
    recent_payments: z.array(PaymentOut),
    recent_refunds: z.array(RefundOut),
    credits: z.array(CreditOut),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'none',
  scopes: ['billing:read'],
  async handler(input, ctx) {
    const now = clockOf(ctx.deps);
    const s = await loadCustomerSummary(ctx.db, input.customer, now, input.recent);
    const attention = attentionPoints(s, now);
    return {
      data: {
        customer: customerOut(s.customer),
        subscription: s.subscription
          ? subscriptionOut(s.subscription.subscription, s.subscription.plan)
          : null,
        balances: s.positions.map((p) => ({
          currency: p.currency,
          balance_due_minor: toNumber(p.balanceDueMinor),
          balance_due: formatMoney(p.balanceDueMinor, p.currency),
          credit_minor: toNumber(p.creditMinor),
          credit: formatMoney(p.creditMinor, p.currency),
        })),
        overdue: s.overdue.map((o) => ({
          currency: o.currency,
          count: o.count,
          amount_due_minor: toNumber(o.amountDueMinor),
          amount_due: formatMoney(o.amountDueMinor, o.currency),
          oldest_due_at: o.oldestDueAt,
        })),
        attention,
        recent_invoices: s.invoices.map((i) => invoiceOut(i, now)),
        recent_payments: s.payments.map(paymentOut),
        recent_refunds: s.refunds.map(refundOut),
        credits: s.credits.map(creditOut),
      },
      text: customerSummaryText(s, now),
    };
  },
});
