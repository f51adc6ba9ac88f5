import { idempotencyKey } from '@bounded/core';
import { z } from 'zod';
import { clockOf, refundPolicyOf } from '../config.js';
import { formatMoney, toMinor } from '../domain/money.js';
import { checkDailyCap, confirmationMessage } from '../domain/refund-policy.js';
import { requireCurrency } from '../store/currencies.js';
import { withConstraintErrors } from '../store/constraint-errors.js';
import { issueRefund as issueRefundInStore, planRefund } from '../store/refunds.js';
import { defineBillingTool } from './define-billing-tool.js';
import {
  currencyCode,
  minorAmount,
  PaymentOut,
  paymentOut,
  reasonText,
  RefundOut,
  refundOut,
} from './shapes.js';

export const issueRefund = defineBillingTool({
  name: 'issue_refund',
  title: 'Refund a payment',
  description:
    'Refunds all or part of a payment, with a reason kept on record; omit amount_minor to refund all that is left. ' +
    "Refunds never exceed what the payment captured. Unused credit the payment's overpayment created is taken back first. " +
    "Refunds taking the payment's refunds, or yours today, above a configured amount ask the person first; " +
    'each operator has a daily refund cap per currency. Either limit: precondition_failed says what is left. ' +
    'Records the refund in the ledger only; the payout through the provider happens outside this server. ' +
    'To compensate without moving money, use grant_account_credit.',
  input: z.object({
    payment_id: z.string().min(1).max(80).describe('Payment to refund (pay_…).'),
    amount_minor: minorAmount('Amount to refund').optional(),
    currency: currencyCode("The payment's currency"),
    reason: reasonText.describe('Why; shown to finance and in audits.'),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({
    refund: RefundOut,
    payment: PaymentOut,
    daily_cap_remaining_minor: z.number().int().describe('What you may still refund today in this currency'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  effects: 'transactional',
  scopes: ['billing:refund'],
  async handler(input, ctx) {
    const now = clockOf(ctx.deps);
    const policy = refundPolicyOf(ctx.deps.config);
    await requireCurrency(ctx.tx, input.currency, 'currency');
    const request = {
      paymentId: input.payment_id,
      currency: input.currency,
      operatorId: ctx.principal.id,
      now,
      policy,
      amountMinor: input.amount_minor === undefined ? undefined : toMinor(input.amount_minor),
    };
    const plan = await planRefund(ctx.tx, request);
    if (plan.confirmation) {
      await ctx.confirm(
        confirmationMessage({
          amountMinor: plan.amountMinor,
          currency: plan.payment.currency,
          paymentId: plan.payment.id,
          customerName: plan.customerName,
          reason: input.reason,
          totals: plan.confirmation,
        }),
      );
    }
    const { refund, payment, refundedTodayMinor } = await withConstraintErrors(() =>
      issueRefundInStore(ctx.tx, { ...request, amountMinor: plan.amountMinor, reason: input.reason }),
    );
    const remaining = checkDailyCap(policy, refund.currency, refundedTodayMinor, 0n).remainingMinor;
    const money = (amount: bigint) => formatMoney(amount, refund.currency);
    return {
      data: {
        refund: refundOut(refund),
        payment: paymentOut(payment),
        daily_cap_remaining_minor: Number(remaining),
      },
      text:
        `Refunded ${money(refund.amountMinor)} (${refund.id}) on ${payment.id} to ${plan.customerName}. ` +
        `${money(payment.amountMinor - payment.refundedMinor)} of the payment is still refundable. Reason: ${refund.reason}`,
    };
  },
});
