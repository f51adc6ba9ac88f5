import type { Queryable } from '@bounded/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENCY_EXPONENTS } from '../src/domain/currencies.js';
import { accountOf, buildJournal } from '../src/domain/journal.js';
import { sqlErrorOf } from '../src/store/constraint-errors.js';
import { entriesOf, post, reverse } from '../src/store/ledger.js';
import { seedDemo } from '../src/seed-demo.js';
import { invariantViolations } from './support/invariants.js';
import { setupBilling, type Billing } from './support/billing.js';

let b: Billing;
beforeAll(async () => {
  b = await setupBilling();
  await seedDemo(b.db, b.clock.now);
});
afterAll(async () => b.close());

/** Runs `work` in a transaction that must fail (at a statement or at commit) with this SQLSTATE. */
async function refused(
  work: (tx: Queryable) => Promise<unknown>,
  code: string,
  constraint?: string,
): Promise<string> {
  try {
    await b.db.transaction(async (tx) => {
      await work(tx);
    });
  } catch (error) {
    const sql = sqlErrorOf(error);
    expect(sql.code).toBe(code);
    if (constraint) expect(sql.constraint).toBe(constraint);
    return (error as Error).message;
  }
  throw new Error('the database accepted it');
}

async function anAccount(kind: string, currency = 'USD'): Promise<string> {
  const { rows } = await b.db.query<{ id: string }>(
    'SELECT id FROM accounts WHERE kind = $1 AND currency = $2 ORDER BY id LIMIT 1',
    [kind, currency],
  );
  return String(rows[0]!.id);
}

async function newJournal(tx: Queryable, id: string): Promise<void> {
  await tx.query(
    "INSERT INTO journal_transactions (id, kind, memo, posted_at) VALUES ($1, 'credit_granted', 'direct', now())",
    [id],
  );
}

describe('the database itself refuses', () => {
  it('an unbalanced journal transaction, at commit', async () => {
    const cash = await anAccount('cash');
    const revenue = await anAccount('revenue');
    const message = await refused(
      async (tx) => {
        await newJournal(tx, 'jtx_unbalanced');
        await tx.query(
          "INSERT INTO journal_entries (journal_transaction_id, account_id, currency, direction, amount_minor) VALUES ('jtx_unbalanced', $1, 'USD', 'debit', 100)",
          [cash],
        );
        await tx.query(
          "INSERT INTO journal_entries (journal_transaction_id, account_id, currency, direction, amount_minor) VALUES ('jtx_unbalanced', $1, 'USD', 'credit', 99)",
          [revenue],
        );
      },
      '23514',
      'journal_balanced',
    );
    expect(message).toContain('does not balance in USD');
  });

  it('a journal transaction balanced only across currencies', async () => {
    const usd = await anAccount('cash', 'USD');
    const eur = await anAccount('revenue', 'EUR');
    await refused(
      async (tx) => {
        await newJournal(tx, 'jtx_cross_currency');
        await tx.query(
          "INSERT INTO journal_entries (journal_transaction_id, account_id, currency, direction, amount_minor) VALUES ('jtx_cross_currency', $1, 'USD', 'debit', 100)",
          [usd],
        );
        await tx.query(
          "INSERT INTO journal_entries (journal_transaction_id, account_id, currency, direction, amount_minor) VALUES ('jtx_cross_currency', $1, 'EUR', 'credit', 100)",
          [eur],
        );
      },
      '23514',
      'journal_balanced',
    );
  });

  it('a journal transaction without entries, and an entry in another currency than its account', async () => {
    await refused((tx) => newJournal(tx, 'jtx_empty'), '23514', 'journal_has_entries');
    const usd = await anAccount('cash', 'USD');
    await refused(async (tx) => {
      await newJournal(tx, 'jtx_wrong_currency');
      await tx.query(
        "INSERT INTO journal_entries (journal_transaction_id, account_id, currency, direction, amount_minor) VALUES ('jtx_wrong_currency', $1, 'EUR', 'debit', 1)",
        [usd],
      );
    }, '23503');
  });

  it('updating, deleting or truncating posted entries and journal transactions', async () => {
    await refused(
      (tx) =>
        tx.query(
          'UPDATE journal_entries SET amount_minor = amount_minor + 1 WHERE id = (SELECT min(id) FROM journal_entries)',
        ),
      '23001',
    );
    await refused(
      (tx) => tx.query('DELETE FROM journal_entries WHERE id = (SELECT min(id) FROM journal_entries)'),
      '23001',
    );
    await refused(
      (tx) =>
        tx.query(
          "UPDATE journal_transactions SET memo = 'edited' WHERE id = (SELECT min(id) FROM journal_transactions)",
        ),
      '23001',
    );
    await refused((tx) => tx.query('DELETE FROM journal_transactions'), '23001');
    await refused((tx) => tx.query('TRUNCATE journal_entries CASCADE'), '23001');
    await refused((tx) => tx.query('DELETE FROM refunds'), '23001');
    await refused(
      (tx) => tx.query('UPDATE invoice_lines SET amount_minor = 1, unit_amount_minor = 1'),
      '23001',
    );
  });

  it('adding entries to a journal transaction committed earlier', async () => {
    const { rows } = await b.db.query<{ id: string }>(
      'SELECT id FROM journal_transactions ORDER BY id LIMIT 1',
    );
    const cash = await anAccount('cash');
    const message = await refused(async (tx) => {
      await tx.query(
        "INSERT INTO journal_entries (journal_transaction_id, account_id, currency, direction, amount_minor) VALUES ($1, $2, 'USD', 'debit', 5)",
        [rows[0]!.id, cash],
      );
      await tx.query(
        "INSERT INTO journal_entries (journal_transaction_id, account_id, currency, direction, amount_minor) VALUES ($1, $2, 'USD', 'credit', 5)",
        [rows[0]!.id, cash],
      );
    }, '23001');
    expect(message).toContain('posted earlier');
  });

  it('moving an account balance other than by posting', async () => {
    await refused(
      (tx) => tx.query("UPDATE accounts SET balance_minor = balance_minor + 100 WHERE kind = 'cash'"),
      '23001',
    );
    await refused(
      (tx) => tx.query("UPDATE accounts SET currency = 'EUR' WHERE kind = 'cash' AND currency = 'USD'"),
      '23001',
    );
  });

  it('a negative credit balance, even from a balanced journal', async () => {
    const journal = buildJournal({
      kind: 'credit_applied',
      memo: 'spend credit that is not there',
      customerId: 'cus_demo_albahar',
      documentId: null,
      postings: [
        {
          account: accountOf('customer_credit', 'KWD', 'cus_demo_albahar'),
          direction: 'debit',
          amountMinor: 1n,
        },
        { account: accountOf('revenue', 'KWD'), direction: 'credit', amountMinor: 1n },
      ],
    });
    await refused((tx) => post(tx, journal, b.clock.now), '23514', 'accounts_customer_balance_not_negative');
    await refused(
      (tx) => tx.query("UPDATE credit_lots SET remaining_minor = -1 WHERE customer_id = 'cus_demo_initech'"),
      '23514',
      'credit_lots_remaining_within_amount',
    );
  });

  it('a second customer with an email already in use, in any letter case', async () => {
    const insert = (tx: Queryable, id: string, email: string | null) =>
      tx.query(
        "INSERT INTO customers (id, name, email, currency, created_at) VALUES ($1, 'Direct', $2, 'USD', now())",
        [id, email],
      );
    await refused(
      (tx) => insert(tx, 'cus_direct_dup', 'BILLING@Northwind.example'),
      '23505',
      'customers_email_unique',
    );
    // Customers without an email are not one email.
    await b.db.transaction(async (tx) => {
      await insert(tx, 'cus_direct_no_email_1', null);
      await insert(tx, 'cus_direct_no_email_2', null);
    });
  });

  it('a refund beyond what the payment captured, inserted directly', async () => {
    const { rows } = await b.db.query<{
      id: string;
      customer_id: string;
      currency: string;
      amount_minor: string;
      refunded_minor: string;
      journal_transaction_id: string;
    }>(
      "SELECT p.id, p.customer_id, p.currency, p.amount_minor, p.refunded_minor, p.journal_transaction_id FROM payments p WHERE p.customer_id = 'cus_demo_northwind' ORDER BY received_at LIMIT 1",
    );
    const p = rows[0]!;
    const over = (BigInt(p.amount_minor) - BigInt(p.refunded_minor) + 1n).toString();
    await refused(
      (tx) =>
        tx.query(
          `INSERT INTO refunds (id, payment_id, customer_id, currency, amount_minor, reason, operator_id, created_at, journal_transaction_id)
           VALUES ('re_direct_insert', $1, $2, $3, $4::bigint, 'direct', 'sql', now(), $5)`,
          [p.id, p.customer_id, p.currency, over, p.journal_transaction_id],
        ),
      '23514',
      'payments_refunds_within_captured',
    );
    await refused((tx) => tx.query('UPDATE payments SET refunded_minor = 0 WHERE id = $1', [p.id]), '23001');
  });

  it('an invoice amount due below zero, and a payment in another currency than its invoice', async () => {
    await refused(
      (tx) =>
        tx.query(
          "UPDATE invoices SET amount_paid_minor = total_minor + 1 WHERE customer_id = 'cus_demo_sakura'",
        ),
      '23514',
      'invoices_amount_due_not_negative',
    );
    await refused(
      (tx) =>
        tx.query(
          "UPDATE invoices SET total_minor = 1, subtotal_minor = 1 WHERE customer_id = 'cus_demo_sakura'",
        ),
      '23001',
    );
    await refused(
      (tx) =>
        tx.query(
          "UPDATE invoices SET credit_applied_minor = 0 WHERE customer_id = 'cus_demo_sakura' AND credit_applied_minor > 0",
        ),
      '23001',
    );
    await refused((tx) => tx.query("DELETE FROM invoices WHERE customer_id = 'cus_demo_sakura'"), '23001');
    await refused(
      (tx) =>
        tx.query(
          "UPDATE credit_lots SET remaining_minor = amount_minor WHERE customer_id = 'cus_demo_sakura'",
        ),
      '23001',
    );
    const { rows } = await b.db.query<{ id: string; journal_transaction_id: string }>(
      "SELECT id, journal_transaction_id FROM invoices WHERE customer_id = 'cus_demo_sakura' LIMIT 1",
    );
    await refused(
      (tx) =>
        tx.query(
          `INSERT INTO payments (id, customer_id, invoice_id, currency, amount_minor, applied_minor, credited_minor, method, provider,
                                 received_at, recorded_at, recorded_by, journal_transaction_id)
           VALUES ('pay_wrong_ccy', 'cus_demo_sakura', $1, 'USD', 100, 100, 0, 'card', 'manual', now(), now(), 'sql', $2)`,
          [rows[0]!.id, rows[0]!.journal_transaction_id],
        ),
      '23503',
    );
  });
});

describe('reversals', () => {
  it('correct by posting the mirror image, once', async () => {
    const { rows } = await b.db.query<{ journal_transaction_id: string }>(
      "SELECT journal_transaction_id FROM invoices WHERE customer_id = 'cus_demo_globex' ORDER BY total_minor DESC LIMIT 1",
    );
    const original = rows[0]!.journal_transaction_id;
    const receivable =
      "SELECT balance_minor FROM accounts WHERE kind = 'receivable' AND customer_id = 'cus_demo_globex'";
    const { rows: before } = await b.db.query<{ balance_minor: string }>(receivable);
    // Rolled back at the end: reversing the invoice's posting alone would leave the invoice document behind.
    const rolledBack = b.db.transaction(async (tx) => {
      const id = await reverse(tx, original, 'Posted in error', b.clock.now);
      const mirrored = (await entriesOf(tx, id)).map(
        (e) => `${e.account.kind} ${e.direction} ${e.amountMinor}`,
      );
      const flipped = (await entriesOf(tx, original)).map(
        (e) => `${e.account.kind} ${e.direction === 'debit' ? 'credit' : 'debit'} ${e.amountMinor}`,
      );
      expect(mirrored.sort()).toEqual(flipped.sort());
      const { rows: after } = await tx.query<{ balance_minor: string }>(receivable);
      expect(BigInt(before[0]!.balance_minor) - BigInt(after[0]!.balance_minor)).toBe(60000n);
      throw new RollbackOnPurpose(id);
    });
    await expect(rolledBack).rejects.toBeInstanceOf(RollbackOnPurpose);
    await refused(async (tx) => {
      await reverse(tx, original, 'first', b.clock.now);
      await reverse(tx, original, 'second', b.clock.now);
    }, '23505');
  });

  it('cannot take back credit that was already spent', async () => {
    const { rows } = await b.db.query<{ id: string }>(
      "SELECT id FROM journal_transactions WHERE kind = 'credit_granted' AND customer_id = 'cus_demo_sakura'",
    );
    await refused(
      (tx) => reverse(tx, rows[0]!.id, 'Undo the grant', b.clock.now),
      '23514',
      'accounts_customer_balance_not_negative',
    );
  });
});

class RollbackOnPurpose extends Error {
  constructor(readonly id: string) {
    super('rollback');
  }
}

describe('reference data', () => {
  it('the currency table matches the exponents the code formats with', async () => {
    const { rows } = await b.db.query<{ code: string; exponent: number }>(
      'SELECT code, exponent FROM currencies ORDER BY code',
    );
    expect(Object.fromEntries(rows.map((r) => [r.code, Number(r.exponent)]))).toEqual(CURRENCY_EXPONENTS);
  });

  it('the demo book still balances after all the refused writes', async () => {
    expect(await invariantViolations(b.db)).toEqual([]);
  });
});
