import { formatMoney } from '../domain/money.js';
import { daysBetween } from '../domain/periods.js';
import type { CustomerSummary } from '../store/customer-summary.js';

/** The lines a person should read first: what is late, what is owed, what is about to change. */
export function attentionPoints(s: CustomerSummary, now: Date): string[] {
  const points: string[] = [];
  for (const o of s.overdue) {
    const late = daysBetween(new Date(o.oldestDueAt), now);
    points.push(
      `${o.count} overdue invoice(s) totalling ${formatMoney(o.amountDueMinor, o.currency)}, oldest ${late} day(s) past due.`,
    );
  }
  const sub = s.subscription;
  if (!sub) points.push('No active subscription.');
  if (sub?.pendingPlan)
    points.push(
      `Plan changes to ${sub.pendingPlan.name} on ${sub.subscription.currentPeriodEnd.slice(0, 10)}.`,
    );
  if (sub?.subscription.status === 'trialing')
    points.push(`On trial until ${sub.subscription.trialEnd?.slice(0, 10)}.`);
  for (const c of s.credits) {
    if (c.expiresAt && daysBetween(now, new Date(c.expiresAt)) <= 30) {
      points.push(
        `${formatMoney(c.remainingMinor, c.currency)} of credit (${c.id}) expires ${c.expiresAt.slice(0, 10)}.`,
      );
    }
  }
  for (const p of s.positions) {
    if (p.balanceDueMinor > 0n && p.creditMinor > 0n) {
      points.push(
        `Holds ${formatMoney(p.creditMinor, p.currency)} credit while ${formatMoney(p.balanceDueMinor, p.currency)} is due.`,
      );
    }
  }
  return points;
}

/** A few lines answering "what is going on with this customer"; `markdown` adds headings for the resource. */
export function customerSummaryText(s: CustomerSummary, now: Date, markdown = false): string {
  const c = s.customer;
  const sub = s.subscription;
  const attention = attentionPoints(s, now);
  const plan = sub
    ? `${sub.plan.name} (${formatMoney(sub.plan.priceMinor, sub.plan.currency)}/${sub.plan.interval}, ${sub.subscription.status}, period ends ${sub.subscription.currentPeriodEnd.slice(0, 10)})`
    : 'none';
  const positions = s.positions.map(
    (p) =>
      `${formatMoney(p.balanceDueMinor, p.currency)} due, ${formatMoney(p.creditMinor, p.currency)} credit`,
  );
  const invoices = s.invoices.map(
    (i) =>
      `${i.id} ${formatMoney(i.totalMinor, i.currency)} issued ${i.issuedAt.slice(0, 10)} (${i.status === 'paid' ? 'paid' : `${formatMoney(i.amountDueMinor, i.currency)} due ${i.dueAt.slice(0, 10)}`})`,
  );
  const payments = s.payments.map(
    (p) =>
      `${p.id} ${formatMoney(p.amountMinor, p.currency)} on ${p.receivedAt.slice(0, 10)} for ${p.invoiceId}${p.refundedMinor > 0n ? `, ${formatMoney(p.refundedMinor, p.currency)} refunded` : ''}`,
  );
  const refunds = s.refunds.map(
    (r) => `${r.id} ${formatMoney(r.amountMinor, r.currency)} on ${r.paymentId}: ${r.reason}`,
  );
  if (!markdown) {
    return [
      `${c.name} (${c.id}${c.email ? `, ${c.email}` : ''}), billed in ${c.currency}.`,
      `Plan: ${plan}.`,
      `Balance: ${positions.join('; ')}.`,
      attention.length > 0 ? `Attention: ${attention.join(' ')}` : 'Nothing needs attention.',
      `Recent invoices: ${invoices.join(', ') || 'none'}.`,
      `Recent payments: ${payments.join(', ') || 'none'}.`,
    ].join('\n');
  }
  const list = (items: string[]) => (items.length > 0 ? items.map((x) => `- ${x}`) : ['- none']);
  return [
    `# ${c.name}`,
    '',
    `${c.id}${c.email ? ` · ${c.email}` : ''} · billed in ${c.currency} · customer since ${c.createdAt.slice(0, 10)}`,
    '',
    `Plan: ${plan}`,
    '',
    `Balance: ${positions.join('; ')}`,
    '',
    '## Attention',
    ...list(attention),
    '',
    '## Recent invoices',
    ...list(invoices),
    '',
    '## Recent payments',
    ...list(payments),
    '',
    '## Recent refunds',
    ...list(refunds),
  ].join('\n');
}
