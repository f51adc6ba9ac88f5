import { ToolError, type Queryable } from '@bounded/core';
import type { BillingInterval } from '../domain/periods.js';
import type { PlanTerms } from '../domain/proration.js';
import { ts } from './sql-time.js';

export interface Plan extends PlanTerms {
  description: string | null;
  trialDays: number;
  active: boolean;
}

interface PlanRow {
  id: string;
  name: string;
  description: string | null;
  currency: string;
  price_minor: string;
  billing_interval: BillingInterval;
  trial_days: number;
  active: boolean;
}

function toPlan(r: PlanRow): Plan {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    currency: r.currency,
    priceMinor: BigInt(r.price_minor),
    interval: r.billing_interval,
    trialDays: Number(r.trial_days),
    active: r.active,
  };
}

const COLUMNS = 'id, name, description, currency, price_minor, billing_interval, trial_days, active';

/** Adds a plan to the catalog (plans are maintained by finance, not by the tools). */
export async function createPlan(q: Queryable, plan: Omit<Plan, 'active'> & { now: Date }): Promise<Plan> {
  const { rows } = await q.query<PlanRow>(
    `INSERT INTO plans (id, name, description, currency, price_minor, billing_interval, trial_days, created_at)
     VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8) RETURNING ${COLUMNS}`,
    [
      plan.id,
      plan.name,
      plan.description,
      plan.currency,
      plan.priceMinor.toString(),
      plan.interval,
      plan.trialDays,
      ts(plan.now),
    ],
  );
  return toPlan(rows[0]!);
}

export async function getPlan(q: Queryable, id: string): Promise<Plan | undefined> {
  const { rows } = await q.query<PlanRow>(`SELECT ${COLUMNS} FROM plans WHERE id = $1`, [id]);
  return rows[0] ? toPlan(rows[0]) : undefined;
}

/** An active plan, or not_found naming `field`. */
export async function requireActivePlan(q: Queryable, id: string, field: string): Promise<Plan> {
  const plan = await getPlan(q, id);
  if (plan?.active) return plan;
  throw new ToolError('not_found', `${field}: no ${plan ? 'active ' : ''}plan '${id}'.`, {
    hint: 'Read the resource billing://plans for the plan catalog.',
    details: { field, value: id },
  });
}

export async function listPlans(q: Queryable): Promise<Plan[]> {
  const { rows } = await q.query<PlanRow>(
    `SELECT ${COLUMNS} FROM plans ORDER BY currency, active DESC, price_minor, id`,
  );
  return rows.map(toPlan);
}
