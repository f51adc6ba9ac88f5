import type { Database, Logger } from '@bounded/core';
import { clockOf, type BillingDeps } from './config.js';
import { renewDueSubscriptions } from './store/subscriptions.js';

const BATCH = 50;
// Bounds one sweep; whatever is left waits for the next interval.
const MAX_BATCHES = 100;

/**
 * Renews every subscription whose period has ended, in batches; returns the invoices issued. A
 * renewal the ledger refuses is logged and left due, once a sweep; the rest of the sweep goes on.
 */
export async function renewDue(db: Database, deps: BillingDeps, log?: Logger): Promise<number> {
  let issued = 0;
  // Refused ones stay due and would head every later batch (oldest first): each is tried once a sweep.
  const refused = new Set<string>();
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const refusedBefore = refused.size;
    const invoices = await db.transaction((tx) =>
      renewDueSubscriptions(tx, {
        now: clockOf(deps),
        termsDays: deps.config.BILLING_PAYMENT_TERMS_DAYS,
        limit: BATCH,
        skip: [...refused],
        onRefused: (subscriptionId, error) => {
          refused.add(subscriptionId);
          log?.warn(
            { subscription_id: subscriptionId, code: error.code, err: error.message },
            'renewal refused',
          );
        },
      }),
    );
    issued += invoices.length;
    // A batch that neither renewed nor refused anything found nothing left to do.
    if (invoices.length === 0 && refused.size === refusedBefore) break;
  }
  return issued;
}

/**
 * Renews due subscriptions now and then every interval. Safe in every replica at once: due rows
 * are claimed with FOR UPDATE SKIP LOCKED and a renewed period is no longer due.
 */
export function startRenewals(context: { db: Database; deps: BillingDeps; log: Logger }): () => void {
  const minutes = context.deps.config.BILLING_RENEWAL_INTERVAL_MINUTES;
  if (minutes === 0) return () => {};
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const issued = await renewDue(context.db, context.deps, context.log);
      if (issued > 0) context.log.info({ invoices: issued }, 'subscriptions renewed');
    } catch (error) {
      // A missed sweep only delays invoices; the next one picks them up.
      context.log.error({ err: error }, 'renewing subscriptions failed; retrying at the next interval');
    } finally {
      running = false;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), minutes * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
