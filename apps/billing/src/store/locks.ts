import type { Queryable } from '@bounded/core';

/*
 * The one lock order of every write, so two transactions never wait for each other in a cycle:
 *
 *   1. the customer row: every write that touches a customer's documents, credit or accounts locks
 *      it first (`lockCustomer`, `lockCustomerOf`), so writes for one customer run one at a time;
 *   2. that customer's documents: the subscription, the payment being refunded, invoices by id;
 *   3. the operator's daily refund total (refunds only), or the operator's daily credit grants (an
 *      advisory lock, grants only); each is shared by the operator's customers;
 *   4. the customer's credit lots, by id;
 *   5. the customer's ledger accounts, as postings update their running balances.
 *
 * Steps 2 to 5 belong to one customer, and whoever waits there already holds that customer, so
 * nobody can hold them while waiting for step 1. Transactions for different customers only meet
 * at step 3: system accounts (cash, revenue, ...) are shared, but postings never lock or update
 * their rows (their balances are summed from entries, migration 0005).
 */

/** Locks the customer row: the first lock of every write for that customer (see the order above). */
export async function lockCustomer(q: Queryable, customerId: string): Promise<void> {
  await q.query('SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', [customerId]);
}

const OWNED_BY_CUSTOMER = {
  invoice: 'invoices',
  payment: 'payments',
  subscription: 'subscriptions',
} as const;

/**
 * Locks the customer a document belongs to, before the document itself is locked. Locks nothing
 * when the document does not exist; the caller's own lookup then reports it as not found.
 */
export async function lockCustomerOf(
  q: Queryable,
  document: keyof typeof OWNED_BY_CUSTOMER,
  id: string,
): Promise<void> {
  await q.query(
    `SELECT 1 FROM customers WHERE id = (SELECT customer_id FROM ${OWNED_BY_CUSTOMER[document]} WHERE id = $1) FOR UPDATE`,
    [id],
  );
}
