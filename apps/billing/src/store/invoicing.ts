import type { Queryable } from '@bounded/core';
import { applyCreditToInvoice, insertLot, type CreditLot } from './credits.js';
import { insertInvoice, type Invoice, type InvoiceDraft } from './invoices.js';
import { lockCustomer } from './locks.js';

export interface IssuedInvoice {
  invoice: Invoice;
  /** Account credit used to settle part or all of it. */
  creditAppliedMinor: bigint;
  /** Set when proration credits exceeded the charges: the surplus became account credit. */
  surplusCredit: CreditLot | undefined;
}

/** Issues an invoice and settles what it can from the customer's account credit. */
export async function issueInvoice(
  q: Queryable,
  draft: InvoiceDraft & { applyCredit: boolean },
): Promise<IssuedInvoice> {
  await lockCustomer(q, draft.customerId);
  let invoice = await insertInvoice(q, draft);
  let surplusCredit: CreditLot | undefined;
  if (invoice.subtotalMinor < 0n) {
    surplusCredit = await insertLot(q, {
      customerId: invoice.customerId,
      currency: invoice.currency,
      source: 'proration',
      amountMinor: -invoice.subtotalMinor,
      reason: `Proration surplus on ${invoice.id}`,
      expiresAt: null,
      grantedBy: null,
      paymentId: null,
      invoiceId: invoice.id,
      journalTransactionId: invoice.journalTransactionId,
      now: draft.now,
    });
  }
  let creditAppliedMinor = 0n;
  if (draft.applyCredit && invoice.amountDueMinor > 0n) {
    const applied = await applyCreditToInvoice(q, invoice.id, draft.now);
    invoice = applied.invoice;
    creditAppliedMinor = applied.appliedMinor;
  }
  return { invoice, creditAppliedMinor, surplusCredit };
}
