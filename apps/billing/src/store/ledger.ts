import { ToolError, type Queryable } from '@bounded/core';
import {
  accountKey,
  NORMAL_SIDE,
  reversalOf,
  type AccountKind,
  type AccountRef,
  type Journal,
  type Posting,
  type Side,
} from '../domain/journal.js';
import { newId } from './ids.js';
import { ts } from './sql-time.js';

function valuesList(rows: number, columns: number, first = 1, casts: string[] = []): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r += 1) {
    const cells: string[] = [];
    for (let c = 0; c < columns; c += 1) cells.push(`$${first + r * columns + c}${casts[c] ?? ''}`);
    tuples.push(`(${cells.join(', ')})`);
  }
  return tuples.join(', ');
}

/**
 * Creates missing accounts and returns the ids of every account the journal touches. Nothing is
 * locked here: a customer's accounts are only ever posted to under that customer's row lock
 * (store/locks.ts), and system accounts keep no running balance (migration 0005), so postings for
 * different customers never wait for each other on a shared account row.
 */
async function resolveAccounts(
  q: Queryable,
  refs: AccountRef[],
): Promise<Map<string, { id: string; balanceMinor: bigint }>> {
  const unique = [...new Map(refs.map((r) => [accountKey(r), r])).values()];
  const params = unique.flatMap((r) => [r.kind, r.customerId, r.currency, NORMAL_SIDE[r.kind]]);
  await q.query(
    `INSERT INTO accounts (kind, customer_id, currency, normal_side)
     VALUES ${valuesList(unique.length, 4, 1, ['::text', '::text', '::text', '::text'])}
     ON CONFLICT (kind, customer_id, currency) DO NOTHING`,
    params,
  );
  const wanted = unique.flatMap((r) => [r.kind, r.customerId, r.currency]);
  const { rows } = await q.query<{
    id: string;
    kind: AccountKind;
    customer_id: string | null;
    currency: string;
    balance_minor: string | null;
  }>(
    `SELECT a.id, a.kind, a.customer_id, a.currency, a.balance_minor
       FROM accounts a
       JOIN (VALUES ${valuesList(unique.length, 3, 1, ['::text', '::text', '::text'])}) AS w (kind, customer_id, currency)
         ON a.kind = w.kind AND a.customer_id IS NOT DISTINCT FROM w.customer_id AND a.currency = w.currency`,
    wanted,
  );
  return new Map(
    rows.map((r) => [
      accountKey({ kind: r.kind, customerId: r.customer_id, currency: r.currency }),
      { id: String(r.id), balanceMinor: BigInt(r.balance_minor ?? '0') },
    ]),
  );
}

/**
 * The largest amount a customer may owe, or hold as credit, per currency: what a JSON number
 * carries exactly. Past it, every read that reports the total would fail.
 */
export const MAX_CUSTOMER_TOTAL_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

const TOTAL_NAMES: Partial<Record<AccountKind, string>> = {
  receivable: 'amount owed on open invoices',
  customer_credit: 'account credit',
};

/**
 * Refuses a journal that would take a customer account past MAX_CUSTOMER_TOTAL_MINOR. The caller
 * holds the customer's row lock (store/locks.ts), so the balances just read cannot move meanwhile.
 */
function checkCustomerTotals(journal: Journal, accounts: Map<string, { balanceMinor: bigint }>): void {
  const growth = new Map<string, { ref: AccountRef; minor: bigint }>();
  for (const p of journal.postings) {
    if (p.account.customerId === null) continue;
    const key = accountKey(p.account);
    const signed = p.direction === NORMAL_SIDE[p.account.kind] ? p.amountMinor : -p.amountMinor;
    growth.set(key, { ref: p.account, minor: (growth.get(key)?.minor ?? 0n) + signed });
  }
  for (const [key, { ref, minor }] of growth) {
    if (minor <= 0n) continue;
    const balance = accounts.get(key)!.balanceMinor;
    if (balance + minor <= MAX_CUSTOMER_TOTAL_MINOR) continue;
    const what = TOTAL_NAMES[ref.kind] ?? ref.kind;
    throw new ToolError(
      'precondition_failed',
      `This would take customer ${ref.customerId}'s ${what} in ${ref.currency} to ${balance + minor} minor units, past the largest total this service can report (${MAX_CUSTOMER_TOTAL_MINOR}).`,
      {
        hint:
          ref.kind === 'receivable'
            ? 'Collect or settle the open invoices first; amounts are in minor units (cents), so check the amount was not meant in major units.'
            : 'Let the customer use the credit first; amounts are in minor units (cents), so check the amount was not meant in major units.',
        details: { customer_id: ref.customerId, currency: ref.currency, balance_minor: balance.toString() },
      },
    );
  }
}

/**
 * Posts a balanced journal transaction; returns its id. The database re-checks the balance at
 * commit. Refuses (precondition_failed) a journal that would take a customer's amount owed or
 * credit past MAX_CUSTOMER_TOTAL_MINOR.
 */
export async function post(q: Queryable, journal: Journal, now: Date): Promise<string> {
  const accounts = await resolveAccounts(
    q,
    journal.postings.map((p) => p.account),
  );
  checkCustomerTotals(journal, accounts);
  const id = newId('jtx');
  await q.query(
    `INSERT INTO journal_transactions (id, kind, memo, customer_id, document_id, reverses_id, posted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      id,
      journal.kind,
      journal.memo.slice(0, 500),
      journal.customerId,
      journal.documentId,
      journal.reversesId ?? null,
      ts(now),
    ],
  );
  const params = journal.postings.flatMap((p) => [
    id,
    accounts.get(accountKey(p.account))!.id,
    p.account.currency,
    p.direction,
    p.amountMinor.toString(),
  ]);
  await q.query(
    `INSERT INTO journal_entries (journal_transaction_id, account_id, currency, direction, amount_minor)
     VALUES ${valuesList(journal.postings.length, 5, 1, ['', '::bigint', '', '', '::bigint'])}`,
    params,
  );
  return id;
}

/** The postings of a journal transaction as recorded. */
export async function entriesOf(q: Queryable, journalTransactionId: string): Promise<Posting[]> {
  const { rows } = await q.query<{
    kind: AccountKind;
    customer_id: string | null;
    currency: string;
    direction: Side;
    amount_minor: string;
  }>(
    `SELECT a.kind, a.customer_id, e.currency, e.direction, e.amount_minor
       FROM journal_entries e JOIN accounts a ON a.id = e.account_id
      WHERE e.journal_transaction_id = $1 ORDER BY e.id`,
    [journalTransactionId],
  );
  return rows.map((r) => ({
    account: { kind: r.kind, customerId: r.customer_id, currency: r.currency },
    direction: r.direction,
    amountMinor: BigInt(r.amount_minor),
  }));
}

/** Posts the mirror image of a journal transaction (a correction never edits what was posted). */
export async function reverse(
  q: Queryable,
  journalTransactionId: string,
  memo: string,
  now: Date,
): Promise<string> {
  const { rows } = await q.query<{ customer_id: string | null; document_id: string | null }>(
    'SELECT customer_id, document_id FROM journal_transactions WHERE id = $1',
    [journalTransactionId],
  );
  const original = rows[0];
  if (!original) throw new RangeError(`no journal transaction ${journalTransactionId}`);
  const postings = await entriesOf(q, journalTransactionId);
  const journal = reversalOf(
    {
      id: journalTransactionId,
      customerId: original.customer_id,
      documentId: original.document_id,
      postings,
    },
    memo,
  );
  return post(q, journal, now);
}

export interface CustomerBalance {
  currency: string;
  /** What the customer owes on open invoices (receivable account). */
  receivableMinor: bigint;
  /** Account credit held for the customer (customer_credit account). */
  creditMinor: bigint;
}

/** The customer's ledger balances, per currency they have ever been billed in. */
export async function customerBalances(q: Queryable, customerId: string): Promise<CustomerBalance[]> {
  const { rows } = await q.query<{ currency: string; receivable: string; credit: string }>(
    `SELECT currency,
            sum(CASE WHEN kind = 'receivable' THEN balance_minor ELSE 0 END)::text AS receivable,
            sum(CASE WHEN kind = 'customer_credit' THEN balance_minor ELSE 0 END)::text AS credit
       FROM accounts WHERE customer_id = $1 GROUP BY currency ORDER BY currency`,
    [customerId],
  );
  return rows.map((r) => ({
    currency: r.currency,
    receivableMinor: BigInt(r.receivable),
    creditMinor: BigInt(r.credit),
  }));
}
