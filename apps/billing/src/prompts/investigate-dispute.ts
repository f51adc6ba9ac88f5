import { definePrompt } from '@bounded/core';
import { z } from 'zod';

export const investigateDispute = definePrompt({
  name: 'investigate_billing_dispute',
  title: 'Investigate a billing dispute',
  description:
    'Walks through a customer complaint about a charge: gather the facts from the ledger, find what went wrong, propose a remedy.',
  args: z.object({
    customer: z.string().min(1).max(254).describe('Customer id (cus_…) or email'),
    complaint: z.string().min(1).max(2000).describe("The customer's complaint in their words"),
    invoice_id: z.string().max(80).optional().describe('The invoice in question, if known'),
  }),
  scopes: ['billing:read'],
  render({ customer, complaint, invoice_id }) {
    return [
      `Investigate a billing dispute for customer ${customer}.`,
      '',
      `The customer says: """${complaint}"""`,
      '',
      'Work through it in this order and show the evidence for each step:',
      `1. Call get_customer_billing_summary with customer "${customer}". Note the plan, balances, overdue invoices and recent payments and refunds.`,
      invoice_id
        ? `2. Read billing://invoices/${invoice_id} and check every line, the credit applied and each payment against the complaint.`
        : '2. Find the invoice(s) the complaint is about with find_invoices (filter by customer and date), then read each one at billing://invoices/{invoice_id}.',
      '3. Check for the usual causes: a charge after a plan change (proration lines), a payment recorded twice or against the wrong invoice, an overpayment sitting as credit, a refund already issued, credit that expired.',
      '4. State plainly what happened, with invoice, payment and refund ids and amounts in the invoice currency.',
      '5. Propose one remedy and its exact amount: a refund of a payment (issue_refund), account credit (grant_account_credit), or no change with an explanation. Do not issue it until the person agrees; then use a fresh idempotency_key.',
      '',
      'Amounts in tool arguments are integer minor units of the invoice currency; never convert between currencies.',
    ].join('\n');
  },
});
