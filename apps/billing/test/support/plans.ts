import type { Queryable } from '@bounded/core';
import { createPlan } from '../../src/store/plans.js';

/** A small catalog: monthly USD plans, a yearly one, and EUR, JPY, KWD plans. */
export async function addTestPlans(q: Queryable, now = new Date('2026-01-01T00:00:00Z')): Promise<void> {
  const plans = [
    {
      id: 'plan_basic',
      name: 'Basic',
      currency: 'USD',
      priceMinor: 3100n,
      interval: 'month' as const,
      trialDays: 0,
    },
    {
      id: 'plan_pro',
      name: 'Pro',
      currency: 'USD',
      priceMinor: 9300n,
      interval: 'month' as const,
      trialDays: 0,
    },
    {
      id: 'plan_pro_yearly',
      name: 'Pro yearly',
      currency: 'USD',
      priceMinor: 93000n,
      interval: 'year' as const,
      trialDays: 0,
    },
    {
      id: 'plan_trial',
      name: 'Trial',
      currency: 'USD',
      priceMinor: 1000n,
      interval: 'month' as const,
      trialDays: 14,
    },
    {
      id: 'plan_eur',
      name: 'Team',
      currency: 'EUR',
      priceMinor: 9900n,
      interval: 'month' as const,
      trialDays: 0,
    },
    {
      id: 'plan_jpy',
      name: 'Pro',
      currency: 'JPY',
      priceMinor: 7500n,
      interval: 'month' as const,
      trialDays: 0,
    },
    {
      id: 'plan_kwd',
      name: 'Business',
      currency: 'KWD',
      priceMinor: 45500n,
      interval: 'month' as const,
      trialDays: 0,
    },
  ];
  for (const p of plans) await createPlan(q, { ...p, description: null, now });
}
