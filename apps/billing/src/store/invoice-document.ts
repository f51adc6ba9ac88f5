import type { Queryable } from '@bounded/core';
import { creditAppliedToInvoice, type AppliedCredit } from './credits.js';
import { requireCustomer, type Customer } from './customers.js';
import { linesOf, requireInvoice, type Invoice, type InvoiceLine } from './invoices.js';
import { paymentsForInvoice, type Payment } from './payments.js';
import { refundsForPayments, type Refund } from './refunds.js';

export interface InvoiceDocument {
  invoice: Invoice;
  customer: Customer;
  lines: InvoiceLine[];
  payments: Payment[];
  refunds: Refund[];
  credits: AppliedCredit[];
}

/** One invoice with everything printed on it. */
export async function loadInvoiceDocument(q: Queryable, invoiceId: string): Promise<InvoiceDocument> {
  const invoice = await requireInvoice(q, invoiceId);
  const customer = await requireCustomer(q, invoice.customerId);
  const lines = await linesOf(q, invoice.id);
  const payments = await paymentsForInvoice(q, invoice.id);
  const refunds = await refundsForPayments(
    q,
    payments.map((p) => p.id),
  );
  const credits = await creditAppliedToInvoice(q, invoice.id);
  return { invoice, customer, lines, payments, refunds, credits };
}
