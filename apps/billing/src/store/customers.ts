import { ToolError, type Queryable } from '@bounded/core';
import { assertCurrencyMatches, requireCurrency } from './currencies.js';
import { newId } from './ids.js';
import { rfc3339, ts } from './sql-time.js';

export interface Customer {
  id: string;
  name: string;
  email: string | null;
  currency: string;
  createdAt: string;
}

const COLUMNS = `id, name, email, currency, ${rfc3339('created_at')} AS "createdAt"`;

function emailTaken(email: string, existing: Customer | undefined): ToolError {
  const owner = existing ? `customer ${existing.id} (${existing.name})` : 'another customer';
  return new ToolError('conflict', `email: ${email} already belongs to ${owner}.`, {
    hint: existing
      ? 'Work with the existing customer (get_customer_billing_summary), or use a different email.'
      : 'Look the customer up by this email with get_customer_billing_summary, or use a different email.',
    details: { field: 'email', ...(existing && { customer_id: existing.id }) },
  });
}

/**
 * Creates a customer; an email already in use (case-insensitively) is a `conflict` naming its
 * customer. The unique index decides, so concurrent calls with one email create one customer.
 */
export async function createCustomer(
  q: Queryable,
  input: { id?: string; name: string; email: string | null; currency: string; now: Date },
): Promise<Customer> {
  // DO NOTHING rather than a unique violation: the transaction stays usable to look up the owner.
  // A concurrent insert of the same email makes this wait for that transaction to finish first.
  const { rows } = await q.query<Customer>(
    `INSERT INTO customers (id, name, email, currency, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT ((lower(email))) WHERE email IS NOT NULL DO NOTHING
     RETURNING ${COLUMNS}`,
    [input.id ?? newId('cus'), input.name, input.email, input.currency, ts(input.now)],
  );
  if (rows[0]) return rows[0];
  throw emailTaken(input.email!, await customerWithEmail(q, input.email!));
}

export async function getCustomer(q: Queryable, id: string): Promise<Customer | undefined> {
  const { rows } = await q.query<Customer>(`SELECT ${COLUMNS} FROM customers WHERE id = $1`, [id]);
  return rows[0];
}

export async function requireCustomer(q: Queryable, id: string, field = 'customer_id'): Promise<Customer> {
  const customer = await getCustomer(q, id);
  if (customer) return customer;
  throw new ToolError('not_found', `${field}: no customer '${id}'.`, {
    hint: "Customer ids look like cus_…; get_customer_billing_summary also accepts the customer's email.",
    details: { field, value: id },
  });
}

/** The customer, checked to bill in `currency` (a known code, given in the `currency` field). */
export async function requireCustomerIn(q: Queryable, id: string, currency: string): Promise<Customer> {
  await requireCurrency(q, currency, 'currency');
  const customer = await requireCustomer(q, id);
  assertCurrencyMatches(currency, customer.currency, 'currency', `customer ${customer.id}`);
  return customer;
}

/** A customer by id (`cus_…`) or by exact email (case-insensitive); an ambiguous email is a conflict. */
export async function resolveCustomer(q: Queryable, reference: string, field: string): Promise<Customer> {
  if (!reference.includes('@')) return requireCustomer(q, reference, field);
  const { rows } = await q.query<Customer>(
    `SELECT ${COLUMNS} FROM customers WHERE lower(email) = lower($1) ORDER BY created_at, id LIMIT 6`,
    [reference],
  );
  if (rows.length === 1) return rows[0]!;
  if (rows.length === 0) {
    throw new ToolError('not_found', `${field}: no customer with email '${reference}'.`, {
      hint: 'Check the spelling, or pass the customer id (cus_…).',
      details: { field, value: reference },
    });
  }
  throw new ToolError(
    'conflict',
    `${field}: ${rows.length > 5 ? 'more than 5' : rows.length} customers share the email '${reference}'.`,
    {
      hint: `Pass one customer id instead: ${rows
        .slice(0, 5)
        .map((r) => `${r.id} (${r.name})`)
        .join(', ')}.`,
      details: { field, customer_ids: rows.slice(0, 5).map((r) => r.id) },
    },
  );
}

export async function listRecentCustomers(q: Queryable, limit: number): Promise<Customer[]> {
  const { rows } = await q.query<Customer>(
    `SELECT ${COLUMNS} FROM customers ORDER BY created_at DESC, id DESC LIMIT $1`,
    [limit],
  );
  return rows;
}

/** The customer already using `email`, if any (emails compare case-insensitively). */
export async function customerWithEmail(q: Queryable, email: string): Promise<Customer | undefined> {
  const { rows } = await q.query<Customer>(
    `SELECT ${COLUMNS} FROM customers WHERE lower(email) = lower($1) ORDER BY id LIMIT 1`,
    [email],
  );
  return rows[0];
}
