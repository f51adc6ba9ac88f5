import { displayStatus } from '../domain/invoice.js';
import { formatMoney } from '../domain/money.js';
import type { InvoiceDocument } from '../store/invoice-document.js';

const day = (at: string | null) => (at ? at.slice(0, 10) : '—');
// Descriptions are free text: keep them from breaking the table.
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/** The invoice as a person would read it. */
export function invoiceMarkdown(doc: InvoiceDocument, now: Date): string {
  const { invoice: i, customer } = doc;
  const money = (amount: bigint) => formatMoney(amount, i.currency);
  const status = displayStatus(
    { amountDueMinor: i.amountDueMinor, totalMinor: i.totalMinor, dueAt: new Date(i.dueAt) },
    now,
  );
  const out = [
    `# Invoice ${i.id}`,
    '',
    `**${customer.name}** (${customer.id}${customer.email ? `, ${customer.email}` : ''})`,
    '',
    `Status: **${status.replace('_', ' ')}** · Issued ${day(i.issuedAt)} · Due ${day(i.dueAt)}${i.paidAt ? ` · Paid ${day(i.paidAt)}` : ''} · Currency ${i.currency}`,
  ];
  if (i.memo) out.push('', `> ${cell(i.memo)}`);
  out.push('', '| # | Description | Qty | Unit price | Amount |', '|---|---|---:|---:|---:|');
  for (const l of doc.lines) {
    out.push(
      `| ${l.position} | ${cell(l.description)} | ${l.quantity} | ${money(l.unitAmountMinor)} | ${money(l.amountMinor)} |`,
    );
  }
  out.push('', `Subtotal: ${money(i.subtotalMinor)}`, `Total: ${money(i.totalMinor)}`);
  if (i.subtotalMinor < 0n) out.push(`(${money(-i.subtotalMinor)} credited to the account)`);
  out.push(
    `Credit applied: ${money(i.creditAppliedMinor)}`,
    `Paid: ${money(i.amountPaidMinor)}`,
    `**Amount due: ${money(i.amountDueMinor)}**`,
  );
  if (doc.payments.length > 0) {
    out.push('', '## Payments');
    for (const p of doc.payments) {
      const ref = p.providerReference ? ` ${p.providerReference}` : '';
      const extra = [
        p.creditedMinor > 0n ? `${money(p.creditedMinor)} overpaid to credit` : '',
        p.refundedMinor > 0n ? `${money(p.refundedMinor)} refunded` : '',
      ]
        .filter(Boolean)
        .join(', ');
      out.push(
        `- ${p.id}: ${money(p.amountMinor)} by ${p.method.replace('_', ' ')} (${p.provider}${ref}) on ${day(p.receivedAt)}${extra ? `; ${extra}` : ''}`,
      );
    }
  }
  if (doc.refunds.length > 0) {
    out.push('', '## Refunds');
    for (const r of doc.refunds)
      out.push(
        `- ${r.id}: ${money(r.amountMinor)} on ${r.paymentId}, ${day(r.createdAt)} by ${r.operatorId}: ${cell(r.reason)}`,
      );
  }
  if (doc.credits.length > 0) {
    out.push('', '## Account credit applied');
    for (const c of doc.credits)
      out.push(`- ${money(c.amountMinor)} from ${c.creditLotId} on ${day(c.appliedAt)}`);
  }
  return out.join('\n');
}
