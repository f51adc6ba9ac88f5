/** Double-entry postings; see migrations/0001_ledger.sql for the chart of accounts. */
export type AccountKind = 'cash' | 'receivable' | 'customer_credit' | 'revenue' | 'refunds' | 'credit_grants';
export type Side = 'debit' | 'credit';
export type JournalKind =
  | 'invoice_issued'
  | 'credit_applied'
  | 'payment_received'
  | 'refund_issued'
  | 'credit_granted'
  | 'credit_expired'
  | 'reversal';

export const NORMAL_SIDE: Readonly<Record<AccountKind, Side>> = {
  cash: 'debit',
  receivable: 'debit',
  customer_credit: 'credit',
  revenue: 'credit',
  refunds: 'debit',
  credit_grants: 'debit',
};

const CUSTOMER_KINDS: ReadonlySet<AccountKind> = new Set(['receivable', 'customer_credit']);

export interface AccountRef {
  kind: AccountKind;
  /** Set for receivable and customer_credit; null for system accounts. */
  customerId: string | null;
  currency: string;
}

export interface Posting {
  account: AccountRef;
  direction: Side;
  amountMinor: bigint;
}

export interface Journal {
  kind: JournalKind;
  memo: string;
  customerId: string | null;
  documentId: string | null;
  reversesId?: string;
  postings: Posting[];
}

export function accountKey(ref: AccountRef): string {
  return `${ref.kind}:${ref.customerId ?? '-'}:${ref.currency}`;
}

export function accountOf(kind: AccountKind, currency: string, customerId: string | null = null): AccountRef {
  if (CUSTOMER_KINDS.has(kind) !== (customerId !== null)) {
    throw new RangeError(
      `${kind} accounts ${customerId === null ? 'belong to a customer' : 'are system accounts'}`,
    );
  }
  return { kind, customerId, currency };
}

/**
 * Normalises a journal: drops zero postings, merges postings to the same account and side, orders
 * them (per account the balance-increasing side first, so a bounded account never dips mid-way),
 * and refuses anything unbalanced in any currency. Throws: an unbalanced journal is a bug.
 */
export function buildJournal(journal: Journal): Journal {
  const merged = new Map<string, Posting>();
  for (const posting of journal.postings) {
    if (posting.amountMinor < 0n)
      throw new RangeError(`negative posting ${posting.amountMinor} to ${accountKey(posting.account)}`);
    if (posting.amountMinor === 0n) continue;
    const key = `${accountKey(posting.account)}|${posting.direction}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, amountMinor: seen.amountMinor + posting.amountMinor } : { ...posting });
  }
  const postings = [...merged.values()].sort(comparePostings);
  const net = new Map<string, bigint>();
  for (const p of postings) {
    const signed = p.direction === 'debit' ? p.amountMinor : -p.amountMinor;
    net.set(p.account.currency, (net.get(p.account.currency) ?? 0n) + signed);
  }
  for (const [currency, difference] of net) {
    if (difference !== 0n)
      throw new Error(`journal '${journal.memo}' does not balance in ${currency}: off by ${difference}`);
  }
  if (postings.length < 2) throw new Error(`journal '${journal.memo}' has no movement`);
  return { ...journal, postings };
}

function comparePostings(a: Posting, b: Posting): number {
  const byAccount = accountKey(a.account).localeCompare(accountKey(b.account));
  if (byAccount !== 0) return byAccount;
  const aFirst = a.direction === NORMAL_SIDE[a.account.kind];
  return aFirst === (b.direction === NORMAL_SIDE[b.account.kind]) ? 0 : aFirst ? -1 : 1;
}

const dr = (account: AccountRef, amountMinor: bigint): Posting => ({
  account,
  direction: 'debit',
  amountMinor,
});
const cr = (account: AccountRef, amountMinor: bigint): Posting => ({
  account,
  direction: 'credit',
  amountMinor,
});

interface CustomerMovement {
  customerId: string;
  currency: string;
  documentId: string;
  memo: string;
}

/**
 * Revenue is posted gross (charges credited, proration credits debited); the customer side gets
 * the net: a receivable when positive, account credit when a downgrade leaves a surplus.
 */
export function invoiceIssued(m: CustomerMovement & { chargesMinor: bigint; creditsMinor: bigint }): Journal {
  const net = m.chargesMinor - m.creditsMinor;
  const revenue = accountOf('revenue', m.currency);
  return buildJournal({
    kind: 'invoice_issued',
    memo: m.memo,
    customerId: m.customerId,
    documentId: m.documentId,
    postings: [
      cr(revenue, m.chargesMinor),
      dr(revenue, m.creditsMinor),
      net > 0n
        ? dr(accountOf('receivable', m.currency, m.customerId), net)
        : cr(accountOf('customer_credit', m.currency, m.customerId), -net),
    ],
  });
}

export function creditApplied(m: CustomerMovement & { amountMinor: bigint }): Journal {
  return buildJournal({
    kind: 'credit_applied',
    memo: m.memo,
    customerId: m.customerId,
    documentId: m.documentId,
    postings: [
      dr(accountOf('customer_credit', m.currency, m.customerId), m.amountMinor),
      cr(accountOf('receivable', m.currency, m.customerId), m.amountMinor),
    ],
  });
}

export function paymentReceived(
  m: CustomerMovement & { appliedMinor: bigint; creditedMinor: bigint },
): Journal {
  return buildJournal({
    kind: 'payment_received',
    memo: m.memo,
    customerId: m.customerId,
    documentId: m.documentId,
    postings: [
      dr(accountOf('cash', m.currency), m.appliedMinor + m.creditedMinor),
      cr(accountOf('receivable', m.currency, m.customerId), m.appliedMinor),
      cr(accountOf('customer_credit', m.currency, m.customerId), m.creditedMinor),
    ],
  });
}

export function refundIssued(
  m: CustomerMovement & { fromCreditMinor: bigint; fromRevenueMinor: bigint },
): Journal {
  return buildJournal({
    kind: 'refund_issued',
    memo: m.memo,
    customerId: m.customerId,
    documentId: m.documentId,
    postings: [
      dr(accountOf('customer_credit', m.currency, m.customerId), m.fromCreditMinor),
      dr(accountOf('refunds', m.currency), m.fromRevenueMinor),
      cr(accountOf('cash', m.currency), m.fromCreditMinor + m.fromRevenueMinor),
    ],
  });
}

export function creditGranted(m: CustomerMovement & { amountMinor: bigint }): Journal {
  return buildJournal({
    kind: 'credit_granted',
    memo: m.memo,
    customerId: m.customerId,
    documentId: m.documentId,
    postings: [
      dr(accountOf('credit_grants', m.currency), m.amountMinor),
      cr(accountOf('customer_credit', m.currency, m.customerId), m.amountMinor),
    ],
  });
}

export function creditExpired(m: CustomerMovement & { amountMinor: bigint }): Journal {
  return buildJournal({
    kind: 'credit_expired',
    memo: m.memo,
    customerId: m.customerId,
    documentId: m.documentId,
    postings: [
      dr(accountOf('customer_credit', m.currency, m.customerId), m.amountMinor),
      cr(accountOf('credit_grants', m.currency), m.amountMinor),
    ],
  });
}

/** The mirror image of a posted journal transaction: every debit becomes a credit and back. */
export function reversalOf(
  original: { id: string; customerId: string | null; documentId: string | null; postings: Posting[] },
  memo: string,
): Journal {
  return buildJournal({
    kind: 'reversal',
    memo,
    customerId: original.customerId,
    documentId: original.documentId,
    reversesId: original.id,
    postings: original.postings.map((p) => ({
      ...p,
      direction: p.direction === 'debit' ? 'credit' : 'debit',
    })),
  });
}
