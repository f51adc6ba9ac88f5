import type { Queryable } from '@bounded/core';
import { availableLots, usableCredit, type CreditLot } from './credits.js';
import { resolveCustomer, type Customer } from './customers.js';
import { overdueTotals, recentInvoices, type Invoice, type OverdueTotals } from './invoices.js';
import { customerBalances } from './ledger.js';
import { recentPayments, type Payment } from './payments.js';
import { getPlan, type Plan } from './plans.js';
import { recentRefunds, type Refund } from './refunds.js';
import { liveSubscription, type Subscription } from './subscriptions.js';

export interface CurrencyPosition {
  currency: string;
  /** Owed on open invoices, from the receivable account. */
  balanceDueMinor: bigint;
  /**
   * Usable account credit: the sum over every unexpired lot (the ledger's customer_credit account
   * also holds expired grants until they are swept).
   */
  creditMinor: bigint;
}

export interface CustomerSummary {
  customer: Customer;
  subscription: { subscription: Subscription; plan: Plan; pendingPlan: Plan | undefined } | undefined;
  positions: CurrencyPosition[];
  overdue: OverdueTotals[];
  invoices: Invoice[];
  payments: Payment[];
  refunds: Refund[];
  /** The first usable lots in spending order (soonest expiry first), at most `CREDITS_LISTED`. */
  credits: CreditLot[];
}

export const CREDITS_LISTED = 20;

/** Everything a support person looks at first, in a handful of indexed reads. */
export async function loadCustomerSummary(
  q: Queryable,
  reference: string,
  now: Date,
  recent: number,
): Promise<CustomerSummary> {
  const customer = await resolveCustomer(q, reference, 'customer');
  // One statement at a time: the embedded database has a single connection.
  const live = await liveSubscription(q, customer.id);
  const balances = await customerBalances(q, customer.id);
  const overdue = await overdueTotals(q, customer.id, now);
  const invoices = await recentInvoices(q, customer.id, recent);
  const payments = await recentPayments(q, customer.id, recent);
  const refunds = await recentRefunds(q, customer.id, recent);
  const credit = await usableCredit(q, customer.id, now);
  const credits = await availableLots(q, customer.id, now, CREDITS_LISTED);
  let subscription: CustomerSummary['subscription'];
  if (live) {
    const plan = (await getPlan(q, live.planId))!;
    const pendingPlan = live.pendingPlanId ? await getPlan(q, live.pendingPlanId) : undefined;
    subscription = { subscription: live, plan, pendingPlan };
  }
  const currencies = new Set([customer.currency, ...balances.map((b) => b.currency), ...credit.keys()]);
  const positions = [...currencies].sort().map((currency) => ({
    currency,
    balanceDueMinor: balances.find((b) => b.currency === currency)?.receivableMinor ?? 0n,
    creditMinor: credit.get(currency) ?? 0n,
  }));
  return { customer, subscription, positions, overdue, invoices, payments, refunds, credits };
}
