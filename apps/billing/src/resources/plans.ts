import { defineResource } from '@bounded/core';
import type { BillingDeps } from '../config.js';
import { formatMoney } from '../domain/money.js';
import { listPlans } from '../store/plans.js';

export const plansResource = defineResource<BillingDeps>({
  name: 'plans',
  title: 'Plan catalog',
  description:
    'Every plan: id, name, price per period and currency, trial length, and whether new subscriptions may use it.',
  uri: 'billing://plans',
  mimeType: 'text/markdown',
  scopes: ['billing:read'],
  async read(_params, ctx) {
    const plans = await listPlans(ctx.db);
    if (plans.length === 0)
      return {
        text: '# Plan catalog\n\nNo plans yet. Plans are added by finance (or by starting the server with --seed-demo).',
      };
    const rows = plans.map(
      (p) =>
        `| ${p.id} | ${p.name} | ${formatMoney(p.priceMinor, p.currency)} per ${p.interval} | ${p.priceMinor} | ${p.trialDays > 0 ? `${p.trialDays} days` : '—'} | ${p.active ? 'yes' : 'retired'} |`,
    );
    return {
      text: [
        '# Plan catalog',
        '',
        "A customer is billed in their plan's currency; plan changes stay within one currency. Prices are also given in minor units.",
        '',
        '| Plan id | Name | Price | Price (minor units) | Trial | Open to new subscriptions |',
        '|---|---|---|---:|---|---|',
        ...rows,
      ].join('\n'),
    };
  },
});
