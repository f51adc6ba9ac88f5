import { ToolError, type Queryable } from '@bounded/core';
import { checkCreditGrant, type CreditPolicy } from '../domain/credit-policy.js';
import { formatMoney } from '../domain/money.js';
import { isoDate } from '../domain/periods.js';
import { lockCustomer } from './locks.js';

/**
 * What the operator granted as credit today (UTC) in this currency, under a transaction-scoped
 * advisory lock on (operator, day, currency), so the operator's concurrent grants are counted
 * one after another. Taken after the customer's lock, as the refund total is (store/locks.ts).
 */
async function lockGrantedToday(
  q: Queryable,
  operatorId: string,
  currency: string,
  now: Date,
): Promise<bigint> {
  const day = isoDate(now);
  await q.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    JSON.stringify(['billing.credit-grants', operatorId, day, currency]),
  ]);
  const { rows } = await q.query<{ total_minor: string }>(
    `SELECT coalesce(sum(amount_minor), 0)::text AS total_minor FROM credit_lots
     WHERE source = 'grant' AND granted_by = $1 AND currency = $2
       AND created_at >= $3::date AND created_at < $3::date + 1`,
    [operatorId, currency, day],
  );
  return BigInt(rows[0]!.total_minor);
}

/**
 * Checks a grant against the per-grant and daily caps, holding the customer's lock and the
 * operator's daily lock until the grant is written in the same transaction. Returns what the
 * operator's grants today come to with this one, and whether the person must confirm it.
 */
export async function planCreditGrant(
  q: Queryable,
  request: {
    customerId: string;
    currency: string;
    amountMinor: bigint;
    operatorId: string;
    now: Date;
    policy: CreditPolicy;
  },
): Promise<{ grantedTodayAfterMinor: bigint; needsConfirmation: boolean }> {
  await lockCustomer(q, request.customerId);
  const grantedToday = await lockGrantedToday(q, request.operatorId, request.currency, request.now);
  const check = checkCreditGrant(request.policy, request.currency, request.amountMinor, grantedToday);
  if (check.ok) return check;
  const money = (amount: bigint) => formatMoney(amount, request.currency);
  const details = {
    cap_minor: Number(check.capMinor),
    allowed_minor: Number(check.allowedMinor),
    requested_minor: Number(request.amountMinor),
  };
  if (check.limit === 'per_grant') {
    throw new ToolError(
      'precondition_failed',
      `One credit grant may give at most ${money(check.capMinor)}; ${money(request.amountMinor)} was asked.`,
      {
        hint: 'Grant at most the cap, or ask finance to handle a larger compensation outside this server.',
        details,
      },
    );
  }
  throw new ToolError(
    'precondition_failed',
    `The grant would exceed your daily credit cap of ${money(check.capMinor)}; ${money(check.allowedMinor)} is left today (UTC).`,
    {
      hint: 'Grant at most the amount left today, or ask another operator (or finance) to grant it. The cap resets at 00:00 UTC.',
      details,
      // Refused today, allowed after the reset: a retry with the same key must run again, not replay this.
      transient: true,
    },
  );
}
