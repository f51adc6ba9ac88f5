import type { Queryable } from '@bounded/core';
import type { Invoice } from '../../src/store/invoices.js';
import { issueInvoice } from '../../src/store/invoicing.js';
import { recordPayment } from '../../src/store/payments.js';

/**
 * Invoices a customer USD 15.00 and records its payment, through the store: postings to the
 * customer's receivable and to the shared revenue and cash accounts. The concurrency tests and
 * the write-throughput benchmark run it for different customers at once.
 */
export async function invoiceAndPay(q: Queryable, customerId: string, now: Date): Promise<Invoice> {
  const { invoice } = await issueInvoice(q, {
    customerId,
    currency: 'USD',
    subscriptionId: null,
    lines: [{ kind: 'charge', description: 'Seats', quantity: 1, unitAmountMinor: 1500n }],
    dueAt: now,
    memo: null,
    now,
    applyCredit: false,
  });
  await recordPayment(q, {
    invoiceId: invoice.id,
    amountMinor: 1500n,
    currency: 'USD',
    method: 'card',
    provider: 'manual',
    providerReference: null,
    receivedAt: now,
    note: null,
    recordedBy: 'operator',
    now,
  });
  return invoice;
}
