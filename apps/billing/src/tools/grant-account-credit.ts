import { idempotencyKey, ToolError } from '@bounded/core';
import { z } from 'zod';
import { clockOf, creditPolicyOf } from '../config.js';
import { creditConfirmationMessage } from '../domain/credit-policy.js';
import { formatMoney, toMinor } from '../domain/money.js';
import { isoDate } from '../domain/periods.js';
import { planCreditGrant } from '../store/credit-grant-limits.js';
import { applyCreditToOpenInvoices, getLot, grantCredit, usableCredit } from '../store/credits.js';
import { requireCustomerIn } from '../store/customers.js';
import { defineBillingTool } from './define-billing-tool.js';
import {
  CreditOut,
  creditOut,
  currencyCode,
  customerId,
  minorAmount,
  reasonText,
  rfc3339,
} from './shapes.js';

export const grantAccountCredit = defineBillingTool({
  name: 'grant_account_credit',
  title: 'Grant account credit',
  description:
    'Gives a customer account credit (goodwill, compensation) in their currency, with a reason and optional ' +
    'expiry. Unless apply_to_open_invoices is false it settles their open invoices at once, oldest due first; ' +
    'the rest applies to future invoices until it expires. To return money paid, use issue_refund. Caps per ' +
    'grant and per operator per day (precondition_failed says what is left); larger grants ask the person first.',
  input: z.object({
    customer_id: customerId,
    amount_minor: minorAmount('Credit to grant'),
    currency: currencyCode("The customer's billing currency"),
    reason: reasonText.describe('Why it is granted.'),
    expires_at: rfc3339.optional().describe('When unused credit lapses (RFC 3339, future); default never.'),
    apply_to_open_invoices: z.boolean().default(true),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({
    credit: CreditOut.describe('After anything applied to open invoices'),
    applied_to: z.array(z.object({ invoice_id: z.string(), amount_minor: z.number().int() })),
    credit_balance_minor: z.number().int().describe('All usable credit in this currency afterwards'),
  }),
  // Destructive: credit cannot be taken back by any tool, and it settles open invoices at once.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  effects: 'transactional',
  scopes: ['billing:credit'],
  async handler(input, ctx) {
    const now = clockOf(ctx.deps);
    const customer = await requireCustomerIn(ctx.tx, input.customer_id, input.currency);
    const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
    if (expiresAt && expiresAt.getTime() <= now.getTime()) {
      throw new ToolError('invalid_argument', 'expires_at: must be in the future.', {
        details: { field: 'expires_at' },
      });
    }
    const amountMinor = toMinor(input.amount_minor);
    const plan = await planCreditGrant(ctx.tx, {
      customerId: customer.id,
      currency: customer.currency,
      amountMinor,
      operatorId: ctx.principal.id,
      now,
      policy: creditPolicyOf(ctx.deps.config),
    });
    if (plan.needsConfirmation) {
      await ctx.confirm(
        creditConfirmationMessage({
          amountMinor,
          currency: customer.currency,
          customerName: customer.name,
          reason: input.reason,
          grantedTodayAfterMinor: plan.grantedTodayAfterMinor,
          settlesOpenInvoices: input.apply_to_open_invoices,
        }),
      );
    }
    const granted = await grantCredit(ctx.tx, {
      customerId: customer.id,
      currency: customer.currency,
      amountMinor,
      reason: input.reason,
      expiresAt,
      grantedBy: ctx.principal.id,
      now,
    });
    const applied = input.apply_to_open_invoices
      ? await applyCreditToOpenInvoices(ctx.tx, customer.id, customer.currency, now)
      : [];
    const lot = (await getLot(ctx.tx, granted.id))!;
    const balance = (await usableCredit(ctx.tx, customer.id, now)).get(customer.currency) ?? 0n;
    const money = (amount: bigint) => formatMoney(amount, customer.currency);
    const expiry = expiresAt ? `, expiring ${isoDate(expiresAt)}` : '';
    const settled = applied.map((a) => ` ${money(a.amountMinor)} settled ${a.invoiceId}.`).join('');
    return {
      data: {
        credit: creditOut(lot),
        applied_to: applied.map((a) => ({ invoice_id: a.invoiceId, amount_minor: Number(a.amountMinor) })),
        credit_balance_minor: Number(balance),
      },
      text: `Granted ${money(granted.amountMinor)} of credit (${granted.id}${expiry}) to ${customer.name}.${settled} Credit balance now ${money(balance)}.`,
    };
  },
});
