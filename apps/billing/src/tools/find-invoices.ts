import { DEFAULT_TEXT_BUDGET_CHARS, fitToBudget, pageInput, pageOutput, ToolError } from '@bounded/core';
import { z } from 'zod';
import { clockOf } from '../config.js';
import { toMinor } from '../domain/money.js';
import { requireCurrency } from '../store/currencies.js';
import { findInvoices as findInStore, type InvoiceFilters, type InvoicePosition } from '../store/invoices.js';
import { defineBillingTool } from './define-billing-tool.js';
import { currencyCode, customerId, InvoiceOut, invoiceOut, rfc3339 } from './shapes.js';

const amountBound = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const findInvoices = defineBillingTool({
  name: 'find_invoices',
  title: 'Find invoices',
  description:
    'Lists invoices, newest first, filtered by customer, status, currency, issue dates and total (total bounds need currency). Status: open (still due), overdue (past due), partially_paid (part paid or credited), paid. Paged. For one customer at a glance use get_customer_billing_summary; for one invoice with its lines read billing://invoices/{invoice_id}.',
  input: z.object({
    customer_id: customerId.optional(),
    status: z.enum(['open', 'overdue', 'partially_paid', 'paid']).optional(),
    currency: currencyCode('Only invoices in this currency').optional().describe('ISO 4217.'),
    issued_from: rfc3339.optional().describe('Issued at or after (RFC 3339).'),
    issued_before: rfc3339.optional().describe('Issued before (RFC 3339).'),
    min_total_minor: amountBound.optional().describe('Minor units.'),
    max_total_minor: amountBound.optional().describe('Minor units.'),
    ...pageInput,
  }),
  output: z.object({ invoices: z.array(InvoiceOut), ...pageOutput }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'none',
  scopes: ['billing:read'],
  async handler(input, ctx) {
    const now = clockOf(ctx.deps);
    if (input.currency !== undefined) await requireCurrency(ctx.db, input.currency, 'currency');
    if (
      input.min_total_minor !== undefined &&
      input.max_total_minor !== undefined &&
      input.min_total_minor > input.max_total_minor
    ) {
      throw new ToolError('invalid_argument', 'min_total_minor is larger than max_total_minor.', {
        details: { field: 'min_total_minor' },
      });
    }
    const filters: InvoiceFilters = {
      ...(input.customer_id !== undefined && { customerId: input.customer_id }),
      ...(input.status !== undefined && { status: input.status }),
      ...(input.currency !== undefined && { currency: input.currency }),
      ...(input.issued_from !== undefined && { issuedFrom: new Date(input.issued_from) }),
      ...(input.issued_before !== undefined && { issuedBefore: new Date(input.issued_before) }),
      ...(input.min_total_minor !== undefined && { minTotalMinor: toMinor(input.min_total_minor) }),
      ...(input.max_total_minor !== undefined && { maxTotalMinor: toMinor(input.max_total_minor) }),
    };
    const binding = { tool: 'find_invoices', filters: { ...input, limit: undefined, cursor: undefined } };
    const after = input.cursor
      ? (ctx.cursors.decode(input.cursor, binding) as unknown as InvoicePosition)
      : undefined;
    const { invoices, positionOf } = await findInStore(ctx.db, filters, now, after, input.limit);
    const page = invoices.slice(0, input.limit).map((i) => invoiceOut(i, now));
    const fitted = fitToBudget(page, { maxChars: DEFAULT_TEXT_BUDGET_CHARS });
    const more = fitted.truncated || invoices.length > input.limit;
    const last = invoices[fitted.items.length - 1];
    const next_cursor = more && last ? ctx.cursors.encode({ ...positionOf(last) }, binding) : null;
    const lines = fitted.items.map(
      (i) =>
        `- ${i.invoice_id} (${i.customer_id}) ${i.total}, issued ${i.issued_at.slice(0, 10)}: ${i.status === 'paid' ? 'paid' : `${i.status.replace('_', ' ')}, ${i.amount_due} due ${i.due_at.slice(0, 10)}`}`,
    );
    const tail = next_cursor ? '\nMore invoices match: call again with cursor = next_cursor.' : '';
    return {
      data: { invoices: fitted.items, next_cursor, truncated: fitted.truncated },
      text:
        fitted.items.length === 0
          ? 'No invoices match.'
          : `${fitted.items.length} invoice(s), newest first:\n${lines.join('\n')}${tail}`,
    };
  },
});
