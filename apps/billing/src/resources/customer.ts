import { defineResource } from '@bounded/core';
import { clockOf, type BillingDeps } from '../config.js';
import { requireCustomer, listRecentCustomers } from '../store/customers.js';
import { loadCustomerSummary } from '../store/customer-summary.js';
import { customerSummaryText } from '../views/customer-summary-text.js';

export const customerResource = defineResource<BillingDeps>({
  name: 'customer',
  title: 'Customer billing record',
  description:
    "A customer's billing record as markdown: plan, balances, what needs attention, recent invoices, payments and refunds.",
  uri: 'billing://customers/{customer_id}',
  mimeType: 'text/markdown',
  scopes: ['billing:read'],
  async list(ctx) {
    const customers = await listRecentCustomers(ctx.db, 50);
    return customers.map((c) => ({ uri: `billing://customers/${c.id}`, name: `${c.name} (${c.id})` }));
  },
  async read(params, ctx) {
    const id = params.customer_id ?? '';
    await requireCustomer(ctx.db, id);
    const now = clockOf(ctx.deps);
    return { text: customerSummaryText(await loadCustomerSummary(ctx.db, id, now, 10), now, true) };
  },
});
