import type { Queryable } from '@bounded/core';

/**
 * Every invariant of the book, checked by SQL over the whole database. Returns the violations
 * (empty when the book is sound), so a failing test prints what broke.
 */
export async function invariantViolations(q: Queryable): Promise<string[]> {
  const checks: Record<string, string> = {
    'ledger balances per currency': `
      SELECT currency FROM journal_entries GROUP BY currency
      HAVING sum(CASE WHEN direction = 'debit' THEN amount_minor ELSE -amount_minor END) <> 0`,
    'every journal transaction balances per currency': `
      SELECT journal_transaction_id FROM journal_entries GROUP BY journal_transaction_id, currency
      HAVING sum(CASE WHEN direction = 'debit' THEN amount_minor ELSE -amount_minor END) <> 0`,
    'account balances equal their entries': `
      SELECT a.id FROM account_balances a LEFT JOIN journal_entries e ON e.account_id = a.id
      GROUP BY a.id, a.balance_minor, a.normal_side
      HAVING a.balance_minor <> coalesce(sum(CASE WHEN e.direction = a.normal_side THEN e.amount_minor ELSE -e.amount_minor END), 0)`,
    'refunds never exceed what was captured': `
      SELECT p.id FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id
      GROUP BY p.id, p.amount_minor, p.refunded_minor
      HAVING coalesce(sum(r.amount_minor), 0) > p.amount_minor OR coalesce(sum(r.amount_minor), 0) <> p.refunded_minor`,
    'credit balances are never negative': `
      SELECT id::text FROM accounts WHERE kind IN ('customer_credit', 'receivable') AND balance_minor < 0
      UNION ALL SELECT id FROM credit_lots WHERE remaining_minor < 0`,
    'amounts due are never negative': `SELECT id FROM invoices WHERE amount_due_minor < 0`,
    'invoice totals match their lines': `
      SELECT i.id FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id
      GROUP BY i.id, i.subtotal_minor HAVING sum(l.amount_minor) <> i.subtotal_minor`,
    'receivables equal the amounts due on invoices': `
      WITH due AS (SELECT customer_id, currency, sum(amount_due_minor) AS total FROM invoices GROUP BY customer_id, currency),
           ledger AS (SELECT customer_id, currency, balance_minor AS total FROM accounts WHERE kind = 'receivable')
      SELECT customer_id, currency FROM due FULL JOIN ledger USING (customer_id, currency)
      WHERE coalesce(due.total, 0) <> coalesce(ledger.total, 0)`,
    'customer credit equals the credit left in lots': `
      WITH lots AS (SELECT customer_id, currency, sum(remaining_minor) AS total FROM credit_lots GROUP BY customer_id, currency),
           ledger AS (SELECT customer_id, currency, balance_minor AS total FROM accounts WHERE kind = 'customer_credit')
      SELECT customer_id, currency FROM lots FULL JOIN ledger USING (customer_id, currency)
      WHERE coalesce(lots.total, 0) <> coalesce(ledger.total, 0)`,
    'payments applied to an invoice add up to what it shows as paid': `
      SELECT i.id FROM invoices i LEFT JOIN (SELECT invoice_id, sum(applied_minor) AS total FROM payments GROUP BY invoice_id) p ON p.invoice_id = i.id
      WHERE coalesce(p.total, 0) <> i.amount_paid_minor`,
    'credit applied to an invoice adds up to its credit applications': `
      SELECT i.id FROM invoices i LEFT JOIN (SELECT invoice_id, sum(amount_minor) AS total FROM credit_applications GROUP BY invoice_id) c ON c.invoice_id = i.id
      WHERE coalesce(c.total, 0) <> i.credit_applied_minor`,
    'cash equals payments minus refunds': `
      WITH paid AS (SELECT currency, sum(amount_minor) AS total FROM payments GROUP BY currency),
           refunded AS (SELECT currency, sum(amount_minor) AS total FROM refunds GROUP BY currency),
           ledger AS (SELECT currency, balance_minor AS total FROM account_balances WHERE kind = 'cash')
      SELECT currency FROM paid FULL JOIN refunded USING (currency) FULL JOIN ledger USING (currency)
      WHERE coalesce(paid.total, 0) - coalesce(refunded.total, 0) <> coalesce(ledger.total, 0)`,
    'every lot is accounted for: amount = remaining + applied + refunded + expired': `
      WITH applied AS (SELECT credit_lot_id AS id, sum(amount_minor) AS total FROM credit_applications GROUP BY credit_lot_id),
           refunded AS (SELECT l.id, sum(r.from_credit_minor) AS total FROM refunds r JOIN credit_lots l ON l.payment_id = r.payment_id GROUP BY l.id),
           expired AS (SELECT t.document_id AS id, sum(e.amount_minor) AS total FROM journal_transactions t
                         JOIN journal_entries e ON e.journal_transaction_id = t.id JOIN accounts a ON a.id = e.account_id
                        WHERE t.kind = 'credit_expired' AND a.kind = 'customer_credit' GROUP BY t.document_id)
      SELECT l.id FROM credit_lots l LEFT JOIN applied USING (id) LEFT JOIN refunded USING (id) LEFT JOIN expired USING (id)
      WHERE l.amount_minor <> l.remaining_minor + coalesce(applied.total, 0) + coalesce(refunded.total, 0) + coalesce(expired.total, 0)`,
  };
  const violations: string[] = [];
  for (const [name, sql] of Object.entries(checks)) {
    const { rows } = await q.query(sql);
    if (rows.length > 0) violations.push(`${name}: ${JSON.stringify(rows.slice(0, 5))}`);
  }
  return violations;
}
