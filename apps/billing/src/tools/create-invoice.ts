import { idempotencyKey, ToolError } from '@bounded/core';
import { z } from 'zod';
import { clockOf } from '../config.js';
import { defineBillingTool } from './define-billing-tool.js';
import { invoiceTotals, type LineDraft } from '../domain/invoice.js';
import { formatMoney, toMinor } from '../domain/money.js';
import { addDays, isoDate } from '../domain/periods.js';
import { requireCustomerIn } from '../store/customers.js';
import { linesOf } from '../store/invoices.js';
import { issueInvoice } from '../store/invoicing.js';
import {
  currencyCode,
  customerId,
  InvoiceOut,
  invoiceOut,
  LineOut,
  lineOut,
  minorAmount,
  rfc3339,
} from './shapes.js';

const MAX_DUE_DAYS = 366;

export const createInvoice = defineBillingTool({
  name: 'create_invoice',
  title: 'Create an invoice',
  description:
    "Issues a one-off invoice in the customer's currency and applies their account credit (soonest-expiring first) unless apply_credit is false. For charges outside the subscription (onboard_customer and change_subscription_plan invoice periods and plan changes). An issued invoice is final: give money back with grant_account_credit or issue_refund.",
  input: z.object({
    customer_id: customerId,
    currency: currencyCode("The customer's currency, confirming every amount's unit"),
    lines: z
      .array(
        z.object({
          description: z.string().trim().min(1).max(200),
          quantity: z.number().int().min(1).max(1_000_000).default(1),
          unit_amount_minor: minorAmount('Price per unit'),
        }),
      )
      .min(1)
      .max(100)
      .describe('Each is quantity × unit_amount_minor.'),
    due_at: rfc3339.optional().describe('Due (RFC 3339); default today plus payment terms.'),
    memo: z.string().trim().max(500).optional().describe('Note printed on the invoice.'),
    apply_credit: z.boolean().default(true),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({
    invoice: InvoiceOut,
    lines: z.array(LineOut),
    credit_applied_minor: z.number().int(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'transactional',
  scopes: ['billing:write'],
  async handler(input, ctx) {
    const now = clockOf(ctx.deps);
    const customer = await requireCustomerIn(ctx.tx, input.customer_id, input.currency);
    const lines: LineDraft[] = input.lines.map((l) => ({
      kind: 'charge',
      description: l.description,
      quantity: l.quantity,
      unitAmountMinor: toMinor(l.unit_amount_minor),
    }));
    if (invoiceTotals(lines).totalMinor > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ToolError(
        'invalid_argument',
        'lines: the invoice total is larger than this service can represent.',
        { hint: 'Split it into several invoices.' },
      );
    }
    const dueAt = input.due_at
      ? new Date(input.due_at)
      : addDays(now, ctx.deps.config.BILLING_PAYMENT_TERMS_DAYS);
    if (dueAt.getTime() < now.getTime() || dueAt.getTime() > addDays(now, MAX_DUE_DAYS).getTime()) {
      throw new ToolError(
        'invalid_argument',
        `due_at: must be between now and ${MAX_DUE_DAYS} days from now.`,
        { details: { field: 'due_at' } },
      );
    }
    const issued = await issueInvoice(ctx.tx, {
      customerId: customer.id,
      currency: customer.currency,
      subscriptionId: null,
      lines,
      dueAt,
      memo: input.memo ?? null,
      now,
      applyCredit: input.apply_credit,
    });
    const { invoice } = issued;
    const credit =
      issued.creditAppliedMinor > 0n
        ? ` ${formatMoney(issued.creditAppliedMinor, invoice.currency)} of account credit applied.`
        : '';
    return {
      data: {
        invoice: invoiceOut(invoice, now),
        lines: (await linesOf(ctx.tx, invoice.id)).map((l) => lineOut(l, invoice.currency)),
        credit_applied_minor: Number(issued.creditAppliedMinor),
      },
      text: `Invoice ${invoice.id} to ${customer.name}: ${formatMoney(invoice.totalMinor, invoice.currency)} in ${lines.length} line(s).${credit} Amount due ${formatMoney(invoice.amountDueMinor, invoice.currency)} by ${isoDate(dueAt)}.`,
    };
  },
});
