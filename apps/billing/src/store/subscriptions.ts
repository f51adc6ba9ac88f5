import { ToolError, type Queryable } from '@bounded/core';
import type { LineDraft } from '../domain/invoice.js';
import { addDays, addInterval, isoDate, startOfUtcDay } from '../domain/periods.js';
import { newId } from './ids.js';
import { issueInvoice, type IssuedInvoice } from './invoicing.js';
import { lockCustomerOf } from './locks.js';
import { getPlan, type Plan } from './plans.js';
import { rfc3339, ts } from './sql-time.js';

export type SubscriptionStatus = 'trialing' | 'active' | 'canceled';

export interface Subscription {
  id: string;
  customerId: string;
  planId: string;
  status: SubscriptionStatus;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  trialEnd: string | null;
  pendingPlanId: string | null;
  /** Day of month every period ends on (clamped in shorter months); null until the first paid period. */
  anchorDay: number | null;
}

const COLUMNS = `id, customer_id AS "customerId", plan_id AS "planId", status,
  ${rfc3339('current_period_start')} AS "currentPeriodStart", ${rfc3339('current_period_end')} AS "currentPeriodEnd",
  ${rfc3339('trial_end')} AS "trialEnd", pending_plan_id AS "pendingPlanId", anchor_day AS "anchorDay"`;

function subscriptionLine(plan: Plan, start: Date, end: Date): LineDraft {
  return {
    kind: 'subscription',
    description: `${plan.name} (${plan.interval}ly), ${isoDate(start)} to ${isoDate(end)}`,
    quantity: 1,
    unitAmountMinor: plan.priceMinor,
    periodStart: start,
    periodEnd: end,
  };
}

/** Starts a subscription today: a trial (no invoice yet) or a first period invoiced now. */
export async function startSubscription(
  q: Queryable,
  input: { customerId: string; plan: Plan; trialDays: number; now: Date; termsDays: number },
): Promise<{ subscription: Subscription; issued: IssuedInvoice | undefined }> {
  const { plan, now } = input;
  const start = startOfUtcDay(now);
  const trial = input.trialDays > 0;
  const end = trial ? addDays(start, input.trialDays) : addInterval(start, plan.interval);
  const { rows } = await q.query<Subscription>(
    `INSERT INTO subscriptions (id, customer_id, plan_id, status, current_period_start, current_period_end, trial_end, created_at, anchor_day)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [
      newId('sub'),
      input.customerId,
      plan.id,
      trial ? 'trialing' : 'active',
      ts(start),
      ts(end),
      trial ? ts(end) : null,
      ts(now),
      trial ? null : start.getUTCDate(),
    ],
  );
  const subscription = rows[0]!;
  if (trial) return { subscription, issued: undefined };
  const issued = await issueInvoice(q, {
    customerId: input.customerId,
    currency: plan.currency,
    subscriptionId: subscription.id,
    lines: [subscriptionLine(plan, start, end)],
    dueAt: addDays(now, input.termsDays),
    memo: null,
    now,
    applyCredit: true,
  });
  return { subscription, issued };
}

export async function liveSubscription(
  q: Queryable,
  customerId: string,
  lock = false,
): Promise<Subscription | undefined> {
  const { rows } = await q.query<Subscription>(
    `SELECT ${COLUMNS} FROM subscriptions WHERE customer_id = $1 AND status <> 'canceled'${lock ? ' FOR UPDATE' : ''}`,
    [customerId],
  );
  return rows[0];
}

/** The live subscription, row-locked; precondition_failed when the customer has none. */
export async function requireLive(q: Queryable, customerId: string): Promise<Subscription> {
  const subscription = await liveSubscription(q, customerId, true);
  if (subscription) return subscription;
  throw new ToolError('precondition_failed', `Customer ${customerId} has no active subscription.`, {
    hint: 'Start one with onboard_customer, or check the customer with get_customer_billing_summary.',
  });
}

/**
 * Puts a subscription on `planId` now, with the period the change leaves it; clears any schedule.
 * A period that starts anew (a change of interval) anchors the subscription on its first day.
 */
export async function switchPlan(
  q: Queryable,
  id: string,
  change: { planId: string; periodStart: Date; periodEnd: Date },
): Promise<Subscription> {
  const { rows } = await q.query<Subscription>(
    `UPDATE subscriptions SET plan_id = $2, pending_plan_id = NULL, current_period_start = $3, current_period_end = $4,
            anchor_day = CASE WHEN current_period_start = $3 THEN anchor_day ELSE $5 END
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, change.planId, ts(change.periodStart), ts(change.periodEnd), change.periodStart.getUTCDate()],
  );
  return rows[0]!;
}

/** Schedules `planId` for the next renewal, replacing any earlier schedule. */
export async function schedulePlan(q: Queryable, id: string, planId: string): Promise<Subscription> {
  const { rows } = await q.query<Subscription>(
    `UPDATE subscriptions SET pending_plan_id = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, planId],
  );
  return rows[0]!;
}

/**
 * Starts the next period when the current one has ended: applies a scheduled plan change, ends a
 * trial, and invoices the new period. Returns undefined when the period is still running.
 */
export async function renewSubscription(
  q: Queryable,
  input: { subscriptionId: string; now: Date; termsDays: number },
): Promise<{ subscription: Subscription; issued: IssuedInvoice } | undefined> {
  await lockCustomerOf(q, 'subscription', input.subscriptionId);
  const { rows: found } = await q.query<Subscription>(
    `SELECT ${COLUMNS} FROM subscriptions WHERE id = $1 FOR UPDATE`,
    [input.subscriptionId],
  );
  const subscription = found[0];
  if (!subscription || subscription.status === 'canceled') return undefined;
  const start = new Date(subscription.currentPeriodEnd);
  if (start.getTime() > input.now.getTime()) return undefined;
  const plan = (await getPlan(q, subscription.pendingPlanId ?? subscription.planId))!;
  // Anchored, not chained: a period clamped to a short month does not move the ones after it.
  const anchorDay = subscription.anchorDay ?? start.getUTCDate();
  const end = addInterval(start, plan.interval, anchorDay);
  const { rows } = await q.query<Subscription>(
    `UPDATE subscriptions SET plan_id = $2, pending_plan_id = NULL, status = 'active', current_period_start = $3, current_period_end = $4, anchor_day = $5
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [subscription.id, plan.id, ts(start), ts(end), anchorDay],
  );
  const issued = await issueInvoice(q, {
    customerId: subscription.customerId,
    currency: plan.currency,
    subscriptionId: subscription.id,
    lines: [subscriptionLine(plan, start, end)],
    dueAt: addDays(input.now, input.termsDays),
    memo: null,
    now: input.now,
    applyCredit: true,
  });
  return { subscription: rows[0]!, issued };
}

/** Renews one subscription period after period until the current one is still running at `now`. */
export async function catchUpRenewals(
  q: Queryable,
  input: { subscriptionId: string; now: Date; termsDays: number },
): Promise<IssuedInvoice[]> {
  const issued: IssuedInvoice[] = [];
  for (
    let renewed = await renewSubscription(q, input);
    renewed;
    renewed = await renewSubscription(q, input)
  ) {
    issued.push(renewed.issued);
  }
  return issued;
}

/**
 * Renews every subscription whose period has ended, catching up several periods if needed; meant
 * for a periodic job, one transaction per call. Claiming the customers (the first lock of every
 * write, store/locks.ts) with SKIP LOCKED lets several replicas share the work and passes over a
 * customer that another write holds until the next batch. Returns the invoices issued.
 */
export async function renewDueSubscriptions(
  q: Queryable,
  input: {
    now: Date;
    termsDays: number;
    limit: number;
    /** Subscriptions to leave out (refused earlier in the same sweep). */
    skip?: readonly string[];
    /** Told about a subscription whose renewal was refused (a ToolError); the others go on. */
    onRefused?: (subscriptionId: string, error: ToolError) => void;
  },
): Promise<IssuedInvoice[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT s.id FROM subscriptions s JOIN customers c ON c.id = s.customer_id
      WHERE s.status <> 'canceled' AND s.current_period_end <= $1::timestamptz AND s.id <> ALL($3::text[])
      ORDER BY s.current_period_end, s.id LIMIT $2 FOR UPDATE OF c SKIP LOCKED`,
    [ts(input.now), input.limit, input.skip ?? []],
  );
  const issued: IssuedInvoice[] = [];
  for (const { id } of rows) {
    // One refused renewal (a customer total past what can be reported) must not hold back the
    // rest of the batch: it is undone alone and stays due.
    await q.query('SAVEPOINT renewal');
    try {
      issued.push(
        ...(await catchUpRenewals(q, { subscriptionId: id, now: input.now, termsDays: input.termsDays })),
      );
      await q.query('RELEASE SAVEPOINT renewal');
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      await q.query('ROLLBACK TO SAVEPOINT renewal');
      input.onRefused?.(id, error);
    }
  }
  return issued;
}
