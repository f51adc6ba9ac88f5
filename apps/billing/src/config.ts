import { z } from 'zod';
import { isKnownCurrency } from './domain/currencies.js';
import type { CreditPolicy } from './domain/credit-policy.js';
import type { AmountLimit, RefundPolicy } from './domain/refund-policy.js';

/**
 * Parses `50000,JPY:75000,KWD:150000`: a default in minor units, then per-currency overrides. The
 * default is read in each currency's own minor units, so currencies whose minor unit is worth far
 * more or less than a cent need an override (see domain/refund-policy.ts).
 */
export function parseAmountLimit(text: string): AmountLimit {
  let defaultMinor: bigint | undefined;
  const byCurrency: Record<string, bigint> = {};
  for (const raw of text.split(',')) {
    const item = raw.trim();
    const match = /^(?:([A-Z]{3}):)?(\d{1,15})$/.exec(item);
    if (!match) throw new Error(`"${item}" is neither an amount in minor units nor CUR:amount`);
    const [, currency, digits = ''] = match;
    const amount = BigInt(digits);
    if (currency === undefined) {
      if (defaultMinor !== undefined) throw new Error('more than one default amount');
      defaultMinor = amount;
    } else {
      if (!isKnownCurrency(currency)) throw new Error(`unknown currency ${currency}`);
      byCurrency[currency] = amount;
    }
  }
  if (defaultMinor === undefined)
    throw new Error('a default amount without a currency is required, e.g. 50000,JPY:75000');
  return { defaultMinor, byCurrency };
}

function amountLimit(fallback: string, what: string) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseAmountLimit(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `${what}: ${(error as Error).message}` });
        return z.NEVER;
      }
    })
    .describe(`${what}, in minor units: a default, then CUR:amount overrides (default ${fallback}).`);
}

/** Environment of the billing server. */
export const BillingConfig = z.object({
  BILLING_REFUND_CONFIRM_ABOVE_MINOR: amountLimit(
    '50000,JPY:75000,KWD:150000',
    'Refunds above this amount ask the person to confirm',
  ),
  BILLING_DAILY_REFUND_CAP_MINOR: amountLimit(
    '500000,JPY:750000,KWD:1500000',
    'Most one operator may refund per UTC day, per currency',
  ),
  BILLING_CREDIT_CONFIRM_ABOVE_MINOR: amountLimit(
    '10000,JPY:15000,KWD:30000',
    "Credit grants that bring an operator's grants today above this amount ask the person to confirm",
  ),
  BILLING_CREDIT_GRANT_CAP_MINOR: amountLimit(
    '100000,JPY:150000,KWD:300000',
    'Most one credit grant may give, per currency',
  ),
  BILLING_DAILY_CREDIT_CAP_MINOR: amountLimit(
    '250000,JPY:375000,KWD:750000',
    'Most one operator may grant as credit per UTC day, per currency',
  ),
  BILLING_PAYMENT_TERMS_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(365)
    .default(14)
    .describe('Days from issue to due date when an invoice does not set one (default 14).'),
  BILLING_RENEWAL_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(60)
    .describe(
      'How often due subscriptions are renewed and invoiced; 0 turns renewals off in this process (default 60).',
    ),
});

export type BillingConfigValues = z.output<typeof BillingConfig>;

export interface BillingDeps {
  config: BillingConfigValues;
  /** The clock; tests pin it. */
  now?: () => Date;
}

export function refundPolicyOf(config: BillingConfigValues): RefundPolicy {
  return {
    confirmAbove: config.BILLING_REFUND_CONFIRM_ABOVE_MINOR,
    dailyCap: config.BILLING_DAILY_REFUND_CAP_MINOR,
  };
}

export function creditPolicyOf(config: BillingConfigValues): CreditPolicy {
  return {
    confirmAbove: config.BILLING_CREDIT_CONFIRM_ABOVE_MINOR,
    perGrantCap: config.BILLING_CREDIT_GRANT_CAP_MINOR,
    dailyCap: config.BILLING_DAILY_CREDIT_CAP_MINOR,
  };
}

export function clockOf(deps: BillingDeps): Date {
  return deps.now?.() ?? new Date();
}
