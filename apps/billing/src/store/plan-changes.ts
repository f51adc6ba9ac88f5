import { ToolError, type Queryable } from '@bounded/core';
import { addDays } from '../domain/periods.js';
import { quotePlanChange, type PlanChangeQuote } from '../domain/proration.js';
import { applyCreditToOpenInvoices } from './credits.js';
import { issueInvoice, type IssuedInvoice } from './invoicing.js';
import { lockCustomer } from './locks.js';
import { getPlan, type Plan } from './plans.js';
import {
  catchUpRenewals,
  liveSubscription,
  requireLive,
  schedulePlan,
  switchPlan,
  type Subscription,
} from './subscriptions.js';

export interface PlanChangeRequest {
  customerId: string;
  plan: Plan;
  now: Date;
  termsDays: number;
}

interface Current {
  subscription: Subscription;
  plan: Plan;
  /** Periods that had ended before the change, invoiced on the plan they ran on. */
  renewals: IssuedInvoice[];
}

/**
 * The subscription as of `now`, locked: periods that ended without a renewal yet are renewed
 * first (applying any schedule), so the change is priced against the period actually running and
 * the days before it are billed on the plan the customer had.
 */
async function currentAt(q: Queryable, request: PlanChangeRequest): Promise<Current> {
  await lockCustomer(q, request.customerId);
  let subscription = await requireLive(q, request.customerId);
  const renewals = await catchUpRenewals(q, {
    subscriptionId: subscription.id,
    now: request.now,
    termsDays: request.termsDays,
  });
  if (renewals.length > 0) subscription = (await liveSubscription(q, request.customerId, true))!;
  const plan = (await getPlan(q, subscription.planId))!;
  checkChange(subscription, plan, request.plan);
  return { subscription, plan, renewals };
}

function checkChange(subscription: Subscription, current: Plan, next: Plan): void {
  if (next.id === current.id) {
    throw new ToolError('precondition_failed', `The customer is already on ${next.name} (${next.id}).`, {
      hint: 'Pick a different plan from billing://plans.',
    });
  }
  if (next.currency !== current.currency) {
    throw new ToolError(
      'precondition_failed',
      `Plan ${next.id} is billed in ${next.currency}, but subscription ${subscription.id} is in ${current.currency}.`,
      {
        hint: `Choose a ${current.currency} plan from billing://plans; a plan change never converts currency.`,
        details: { field: 'new_plan_id' },
      },
    );
  }
}

export interface PlanChange {
  subscription: Subscription;
  previousPlan: Plan;
  /** Invoices for periods that had ended before the change, on the previous plan. */
  renewals: IssuedInvoice[];
  quote: PlanChangeQuote | undefined;
  issued: IssuedInvoice | undefined;
}

/** Switches plan today, invoicing the day-by-day difference (a trial just switches, free). */
export async function changePlanNow(q: Queryable, request: PlanChangeRequest): Promise<PlanChange> {
  const { subscription, plan: current, renewals } = await currentAt(q, request);
  let quote: PlanChangeQuote | undefined;
  let issued: IssuedInvoice | undefined;
  let periodStart = new Date(subscription.currentPeriodStart);
  let periodEnd = new Date(subscription.currentPeriodEnd);
  if (subscription.status === 'active') {
    quote = quotePlanChange({ current, next: request.plan, periodStart, periodEnd, at: request.now });
    periodStart = quote.newPeriodStart;
    periodEnd = quote.newPeriodEnd;
    if (quote.lines.length > 0) {
      issued = await issueInvoice(q, {
        customerId: request.customerId,
        currency: current.currency,
        subscriptionId: subscription.id,
        lines: quote.lines.map((l) => ({ ...l, quantity: 1, unitAmountMinor: l.amountMinor })),
        dueAt: addDays(request.now, request.termsDays),
        memo: `Plan change from ${current.name} to ${request.plan.name}`,
        now: request.now,
        applyCredit: true,
      });
      // A downgrade's surplus is account credit; like any credit it settles what is already due.
      if (issued.surplusCredit)
        await applyCreditToOpenInvoices(q, request.customerId, current.currency, request.now);
    }
  }
  const switched = await switchPlan(q, subscription.id, { planId: request.plan.id, periodStart, periodEnd });
  return { subscription: switched, previousPlan: current, renewals, quote, issued };
}

/** Schedules the switch for the end of the current period (replacing any earlier schedule). */
export async function schedulePlanChange(
  q: Queryable,
  request: PlanChangeRequest,
): Promise<{ subscription: Subscription; previousPlan: Plan; renewals: IssuedInvoice[] }> {
  const { subscription, plan: current, renewals } = await currentAt(q, request);
  return {
    subscription: await schedulePlan(q, subscription.id, request.plan.id),
    previousPlan: current,
    renewals,
  };
}
