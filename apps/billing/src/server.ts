import type { AppDefinition } from '@bounded/core';
import type { BillingDeps } from './config.js';
import { investigateDispute } from './prompts/investigate-dispute.js';
import { customerResource } from './resources/customer.js';
import { invoiceResource } from './resources/invoice.js';
import { plansResource } from './resources/plans.js';
import { changeSubscriptionPlan } from './tools/change-subscription-plan.js';
import { createInvoice } from './tools/create-invoice.js';
import { findInvoices } from './tools/find-invoices.js';
import { getCustomerBillingSummary } from './tools/get-customer-billing-summary.js';
import { grantAccountCredit } from './tools/grant-account-credit.js';
import { issueRefund } from './tools/issue-refund.js';
import { onboardCustomer } from './tools/onboard-customer.js';
import { recordPaymentTool } from './tools/record-payment.js';

export const BILLING_VERSION = '0.1.0';

export const billingApp: AppDefinition<BillingDeps> = {
  name: 'billing',
  version: BILLING_VERSION,
  instructions:
    'Billing records of record: customers, plans, subscriptions, invoices, payments, refunds and account credit, kept in a ' +
    'double-entry ledger. Start with get_customer_billing_summary (by customer id or email) for any question about a ' +
    'customer; find_invoices lists invoices by filter. Money is always integer minor units of an ISO 4217 currency ' +
    '(USD 12.34 = 1234, JPY 500 = 500, KWD 1.250 = 1250), and every amount you send must name its currency, which must ' +
    "match the document's: nothing is converted. Results give amounts as *_minor integers plus a formatted string; times are RFC 3339 UTC. Every state-changing tool takes an idempotency_key: generate one per " +
    'intended operation and reuse it only to retry that same operation. Recorded money is never edited: compensate with ' +
    'grant_account_credit or return money with issue_refund. Resources: billing://customers/{customer_id}, ' +
    'billing://invoices/{invoice_id}, billing://plans.',
  tools: [
    getCustomerBillingSummary,
    findInvoices,
    onboardCustomer,
    createInvoice,
    recordPaymentTool,
    issueRefund,
    grantAccountCredit,
    changeSubscriptionPlan,
  ],
  resources: [customerResource, invoiceResource, plansResource],
  prompts: [investigateDispute],
};
