import { idempotencyKey, ToolError } from '@bounded/core';
import { z } from 'zod';
import { clockOf } from '../config.js';
import { formatMoney, toMinor } from '../domain/money.js';
import { requireCurrency } from '../store/currencies.js';
import { recordPayment } from '../store/payments.js';
import { defineBillingTool } from './define-billing-tool.js';
import {
  currencyCode,
  InvoiceOut,
  invoiceOut,
  minorAmount,
  PaymentOut,
  paymentOut,
  rfc3339,
} from './shapes.js';

// Tolerates a payer's or provider's clock running a little ahead of ours.
const CLOCK_SKEW_MINUTES = 5;

export const recordPaymentTool = defineBillingTool({
  name: 'record_payment',
  title: 'Record a payment',
  description:
    "Books money already received against an invoice, from a provider event or by hand (bank transfer, cheque); it charges no one. A partial payment leaves the rest due. An overpayment becomes account credit, which then settles the customer's other open invoices in that currency, oldest due first (credit_applied_to). A provider_reference is recorded once per provider: a repeat is refused with conflict and the existing payment id.",
  input: z.object({
    invoice_id: z.string().min(1).max(80).describe('Invoice paid (inv_…).'),
    amount_minor: minorAmount('Amount received'),
    currency: currencyCode("The invoice's currency"),
    method: z
      .enum(['card', 'bank_transfer', 'direct_debit', 'cash', 'check', 'wallet', 'other'])
      .describe('How the money arrived.'),
    provider: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,49}$/, {
        error: 'provider must be a short lower-case name such as stripe or bank',
      })
      .default('manual')
      .describe("Provider or channel, e.g. stripe, bank; 'manual' for hand entries."),
    provider_reference: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe("Provider's charge or transfer id."),
    received_at: rfc3339
      .optional()
      .describe(
        `When it arrived (RFC 3339); default now; at most ${CLOCK_SKEW_MINUTES} minutes ahead of server time.`,
      ),
    note: z.string().trim().max(500).optional(),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({
    payment: PaymentOut,
    invoice: InvoiceOut,
    credit_applied_to: z.array(z.object({ invoice_id: z.string(), amount_minor: z.number().int() })),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'transactional',
  scopes: ['billing:write'],
  async handler(input, ctx) {
    const now = clockOf(ctx.deps);
    await requireCurrency(ctx.tx, input.currency, 'currency');
    const receivedAt = input.received_at ? new Date(input.received_at) : now;
    if (receivedAt.getTime() > now.getTime() + CLOCK_SKEW_MINUTES * 60_000) {
      throw new ToolError(
        'invalid_argument',
        `received_at: ${input.received_at} is in the future (server time ${now.toISOString()}).`,
        {
          hint: `Pass when the money actually arrived; at most ${CLOCK_SKEW_MINUTES} minutes ahead of server time is accepted, or omit it for now.`,
          details: { field: 'received_at' },
        },
      );
    }
    const { payment, invoice, creditApplications } = await recordPayment(ctx.tx, {
      invoiceId: input.invoice_id,
      amountMinor: toMinor(input.amount_minor),
      currency: input.currency,
      method: input.method,
      provider: input.provider,
      providerReference: input.provider_reference ?? null,
      receivedAt,
      note: input.note ?? null,
      recordedBy: ctx.principal.id,
      now,
    });
    const money = (amount: bigint) => formatMoney(amount, payment.currency);
    const parts = [
      `Recorded ${money(payment.amountMinor)} (${payment.id}) on ${invoice.id}; amount due now ${money(invoice.amountDueMinor)}.`,
    ];
    if (payment.creditedMinor > 0n)
      parts.push(`Overpayment of ${money(payment.creditedMinor)} became account credit.`);
    for (const a of creditApplications)
      parts.push(`${money(a.amountMinor)} of credit settled ${a.invoiceId}.`);
    return {
      data: {
        payment: paymentOut(payment),
        invoice: invoiceOut(invoice, now),
        credit_applied_to: creditApplications.map((a) => ({
          invoice_id: a.invoiceId,
          amount_minor: Number(a.amountMinor),
        })),
      },
      text: parts.join(' '),
    };
  },
});
