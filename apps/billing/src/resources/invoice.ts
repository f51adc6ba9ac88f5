import { defineResource } from '@bounded/core';
import { clockOf, type BillingDeps } from '../config.js';
import { loadInvoiceDocument } from '../store/invoice-document.js';
import { findInvoices } from '../store/invoices.js';
import { invoiceMarkdown } from '../views/invoice-markdown.js';

export const invoiceResource = defineResource<BillingDeps>({
  name: 'invoice',
  title: 'Invoice',
  description: 'One invoice rendered for reading: lines, totals, credit applied, payments and refunds.',
  uri: 'billing://invoices/{invoice_id}',
  mimeType: 'text/markdown',
  scopes: ['billing:read'],
  async list(ctx) {
    const { invoices } = await findInvoices(ctx.db, {}, clockOf(ctx.deps), undefined, 50);
    return invoices
      .slice(0, 50)
      .map((i) => ({ uri: `billing://invoices/${i.id}`, name: `${i.id} (${i.customerId}, ${i.currency})` }));
  },
  async read(params, ctx) {
    const doc = await loadInvoiceDocument(ctx.db, params.invoice_id ?? '');
    return { text: invoiceMarkdown(doc, clockOf(ctx.deps)) };
  },
});
