import type { Database, Queryable } from '@bounded/core';
import type { LineDraft } from './domain/invoice.js';
import { addDays, startOfUtcDay } from './domain/periods.js';
import type { RefundPolicy } from './domain/refund-policy.js';
import { grantCredit, applyCreditToOpenInvoices } from './store/credits.js';
import { createCustomer, getCustomer } from './store/customers.js';
import { getInvoice } from './store/invoices.js';
import { issueInvoice } from './store/invoicing.js';
import { recordPayment, type PaymentMethod } from './store/payments.js';
import { createPlan, type Plan } from './store/plans.js';
import { issueRefund } from './store/refunds.js';
import { schedulePlanChange } from './store/plan-changes.js';
import { liveSubscription, renewSubscription, startSubscription } from './store/subscriptions.js';

const MARKER = 'cus_demo_northwind';
const OPERATOR = 'demo-seed';
const TERMS = 14;
// The seed writes history through the same store code as the tools; its own refunds are small.
const SEED_POLICY: RefundPolicy = {
  confirmAbove: { defaultMinor: 10n ** 12n, byCurrency: {} },
  dailyCap: { defaultMinor: 10n ** 12n, byCurrency: {} },
};

const PLANS = [
  {
    id: 'plan_starter_usd',
    name: 'Starter',
    currency: 'USD',
    priceMinor: 1900n,
    interval: 'month',
    trialDays: 14,
    description: 'For small teams: 3 seats.',
  },
  {
    id: 'plan_pro_usd',
    name: 'Pro',
    currency: 'USD',
    priceMinor: 4900n,
    interval: 'month',
    trialDays: 0,
    description: '10 seats, priority support.',
  },
  {
    id: 'plan_pro_usd_yearly',
    name: 'Pro (yearly)',
    currency: 'USD',
    priceMinor: 49000n,
    interval: 'year',
    trialDays: 0,
    description: 'Pro, billed yearly: two months free.',
  },
  {
    id: 'plan_starter_eur',
    name: 'Starter',
    currency: 'EUR',
    priceMinor: 1900n,
    interval: 'month',
    trialDays: 14,
    description: 'For small teams: 3 seats.',
  },
  {
    id: 'plan_team_eur',
    name: 'Team',
    currency: 'EUR',
    priceMinor: 9900n,
    interval: 'month',
    trialDays: 0,
    description: '25 seats, SSO.',
  },
  {
    id: 'plan_pro_jpy',
    name: 'Pro',
    currency: 'JPY',
    priceMinor: 7500n,
    interval: 'month',
    trialDays: 0,
    description: '10 seats, priority support.',
  },
  {
    id: 'plan_business_kwd',
    name: 'Business',
    currency: 'KWD',
    priceMinor: 45500n,
    interval: 'month',
    trialDays: 0,
    description: '50 seats, SSO, audit log.',
  },
] as const;

/**
 * Loads a small demo book: seven plans in four currencies and six customers with paid, partly
 * paid and overdue invoices, a refund, granted and overpaid credit, a trial and a scheduled plan
 * change. Idempotent: a second run finds the first customer and does nothing.
 */
export async function seedDemo(db: Database, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('billing.seed-demo'))");
    if (await getCustomer(tx, MARKER)) return;
    const today = startOfUtcDay(now);
    const day = (offset: number, hour = 10) => new Date(addDays(today, offset).getTime() + hour * 3_600_000);
    const plans = new Map<string, Plan>();
    for (const p of PLANS) plans.set(p.id, await createPlan(tx, { ...p, now: day(-120) }));
    const plan = (id: string) => plans.get(id)!;
    const book = new Book(tx);

    // Northwind (USD): three monthly invoices, two paid by card, a partial refund, a scheduled move to yearly.
    const northwind = await book.customer(
      MARKER,
      'Northwind Traders',
      'billing@northwind.example',
      plan('plan_pro_usd'),
      day(-70),
    );
    await book.pay(northwind.invoices[0]!, 4900n, 'card', 'stripe', 'ch_demo_nw_0001', day(-66));
    await book.renew(northwind.id);
    await book.pay(book.lastInvoice, 4900n, 'card', 'stripe', 'ch_demo_nw_0002', day(-38));
    await book.renew(northwind.id);
    await issueRefund(tx, {
      paymentId: book.paymentIds[0]!,
      currency: 'USD',
      amountMinor: 1000n,
      operatorId: OPERATOR,
      now: day(-60),
      policy: SEED_POLICY,
      reason: 'Two days of downtime during the migration; refund agreed by support.',
    });
    await schedulePlanChange(tx, {
      customerId: MARKER,
      plan: plan('plan_pro_usd_yearly'),
      now,
      termsDays: TERMS,
    });

    // Globex (EUR): first invoice partly paid and overdue, second overdue, a one-off workshop invoice open.
    const globex = await book.customer(
      'cus_demo_globex',
      'Globex GmbH',
      'rechnungen@globex.example',
      plan('plan_team_eur'),
      day(-50),
    );
    await book.pay(globex.invoices[0]!, 5000n, 'bank_transfer', 'bank', 'SEPA-DEMO-77120', day(-40));
    await book.renew(globex.id);
    await book.invoice(
      'cus_demo_globex',
      'EUR',
      [
        {
          kind: 'charge',
          description: 'Data migration workshop (half day)',
          quantity: 1,
          unitAmountMinor: 60000n,
        },
      ],
      day(-5),
    );

    // Sakura (JPY): two overdue invoices, the first partly covered by goodwill credit.
    const sakura = await book.customer(
      'cus_demo_sakura',
      'Sakura Design KK',
      'keiri@sakura-design.example',
      plan('plan_pro_jpy'),
      // 50 days back, so the renewal's due date (a month plus 14 days of terms later) is always past.
      day(-50),
    );
    await book.renew(sakura.id);
    await grantCredit(tx, {
      customerId: 'cus_demo_sakura',
      currency: 'JPY',
      amountMinor: 2000n,
      reason: 'Goodwill for a slow support response',
      expiresAt: day(60),
      grantedBy: OPERATOR,
      now: day(-30),
    });
    await applyCreditToOpenInvoices(tx, 'cus_demo_sakura', 'JPY', day(-30));

    // Initech (USD): overpaid its only invoice, and holds an expiring goodwill credit.
    const initech = await book.customer(
      'cus_demo_initech',
      'Initech LLC',
      'ap@initech.example',
      plan('plan_starter_usd'),
      day(-20),
      0,
    );
    await book.pay(initech.invoices[0]!, 3000n, 'card', 'stripe', 'ch_demo_in_0001', day(-18));
    await grantCredit(tx, {
      customerId: 'cus_demo_initech',
      currency: 'USD',
      amountMinor: 1000n,
      reason: 'Apology for a duplicated reminder email',
      expiresAt: day(25),
      grantedBy: OPERATOR,
      now: day(-2),
    });

    // Al-Bahar (KWD, three decimals): paid in full by bank transfer.
    const albahar = await book.customer(
      'cus_demo_albahar',
      'Al-Bahar Trading Co.',
      'finance@albahar.example',
      plan('plan_business_kwd'),
      day(-25),
    );
    await book.pay(albahar.invoices[0]!, 45500n, 'bank_transfer', 'bank', 'KW-DEMO-55010', day(-22));

    // Bluebird (USD): on a free trial, nothing invoiced yet.
    await book.customer(
      'cus_demo_bluebird',
      'Bluebird Analytics',
      'ops@bluebird.example',
      plan('plan_starter_usd'),
      day(-3),
    );
  });
}

/** Small helpers that write demo history through the store, remembering ids for later steps. */
class Book {
  readonly paymentIds: string[] = [];
  lastInvoice = '';

  constructor(private readonly tx: Queryable) {}

  async customer(id: string, name: string, email: string, plan: Plan, at: Date, trialDays = plan.trialDays) {
    await createCustomer(this.tx, { id, name, email, currency: plan.currency, now: at });
    const { subscription, issued } = await startSubscription(this.tx, {
      customerId: id,
      plan,
      trialDays,
      now: at,
      termsDays: TERMS,
    });
    if (issued) this.lastInvoice = issued.invoice.id;
    return { id, subscriptionId: subscription.id, invoices: issued ? [issued.invoice.id] : [] };
  }

  /** Renews a couple of hours after the current period ends (months differ in length). */
  async renew(customerId: string): Promise<void> {
    const live = (await liveSubscription(this.tx, customerId))!;
    const at = new Date(new Date(live.currentPeriodEnd).getTime() + 2 * 3_600_000);
    const renewed = await renewSubscription(this.tx, { subscriptionId: live.id, now: at, termsDays: TERMS });
    if (!renewed) throw new Error(`demo seed: ${live.id} was not due for renewal at ${at.toISOString()}`);
    this.lastInvoice = renewed.issued.invoice.id;
  }

  async pay(
    invoiceId: string,
    amountMinor: bigint,
    method: PaymentMethod,
    provider: string,
    reference: string,
    at: Date,
  ): Promise<void> {
    const { currency } = (await getInvoice(this.tx, invoiceId))!;
    const { payment } = await recordPayment(this.tx, {
      invoiceId,
      amountMinor,
      currency,
      method,
      provider,
      providerReference: reference,
      receivedAt: at,
      note: null,
      recordedBy: OPERATOR,
      now: at,
    });
    this.paymentIds.push(payment.id);
  }

  async invoice(customerId: string, currency: string, lines: LineDraft[], at: Date): Promise<void> {
    const issued = await issueInvoice(this.tx, {
      customerId,
      currency,
      subscriptionId: null,
      lines,
      dueAt: addDays(at, TERMS),
      memo: null,
      now: at,
      applyCredit: true,
    });
    this.lastInvoice = issued.invoice.id;
  }
}
