import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  accountOf,
  buildJournal,
  creditApplied,
  creditExpired,
  creditGranted,
  invoiceIssued,
  paymentReceived,
  refundIssued,
  reversalOf,
  NORMAL_SIDE,
  type Journal,
} from '../../src/domain/journal.js';

const base = { customerId: 'cus_test', currency: 'USD', documentId: 'doc', memo: 'test' };

function net(journal: Journal): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const p of journal.postings) {
    totals.set(
      p.account.currency,
      (totals.get(p.account.currency) ?? 0n) + (p.direction === 'debit' ? p.amountMinor : -p.amountMinor),
    );
  }
  return totals;
}

describe('journal builders', () => {
  const amount = fc.bigInt({ min: 0n, max: 10n ** 15n });
  const positive = fc.bigInt({ min: 1n, max: 10n ** 15n });

  it('always balance, never post zero or negative amounts', () => {
    fc.assert(
      fc.property(positive, amount, amount, amount, (a, b, c, d) => {
        const journals = [
          invoiceIssued({ ...base, chargesMinor: a, creditsMinor: b }),
          creditApplied({ ...base, amountMinor: a }),
          paymentReceived({ ...base, appliedMinor: a, creditedMinor: c }),
          refundIssued({ ...base, fromCreditMinor: d, fromRevenueMinor: a }),
          creditGranted({ ...base, amountMinor: a }),
          creditExpired({ ...base, amountMinor: a }),
        ];
        for (const j of journals) {
          expect([...net(j).values()].every((v) => v === 0n)).toBe(true);
          expect(j.postings.every((p) => p.amountMinor > 0n)).toBe(true);
          const reversed = reversalOf(
            { id: 'jtx_x', customerId: j.customerId, documentId: j.documentId, postings: j.postings },
            'undo',
          );
          expect([...net(reversed).values()].every((v) => v === 0n)).toBe(true);
        }
      }),
    );
  });

  it('posts an invoice gross to revenue and net to the customer', () => {
    const j = invoiceIssued({ ...base, chargesMinor: 6600n, creditsMinor: 2200n });
    expect(j.postings.map((p) => [p.account.kind, p.direction, p.amountMinor])).toEqual([
      ['receivable', 'debit', 4400n],
      ['revenue', 'credit', 6600n],
      ['revenue', 'debit', 2200n],
    ]);
    const surplus = invoiceIssued({ ...base, chargesMinor: 700n, creditsMinor: 2100n });
    expect(surplus.postings.find((p) => p.account.kind === 'customer_credit')).toMatchObject({
      direction: 'credit',
      amountMinor: 1400n,
    });
  });

  it('splits a payment between the invoice and account credit', () => {
    const j = paymentReceived({ ...base, appliedMinor: 4900n, creditedMinor: 1100n });
    expect(j.postings.map((p) => [p.account.kind, p.direction, p.amountMinor])).toEqual([
      ['cash', 'debit', 6000n],
      ['customer_credit', 'credit', 1100n],
      ['receivable', 'credit', 4900n],
    ]);
  });

  it('orders each account so its balance rises before it falls', () => {
    const j = buildJournal({
      kind: 'reversal',
      memo: 'm',
      customerId: null,
      documentId: null,
      reversesId: 'jtx_x',
      postings: [
        { account: accountOf('revenue', 'USD'), direction: 'debit', amountMinor: 5n },
        { account: accountOf('revenue', 'USD'), direction: 'credit', amountMinor: 5n },
      ],
    });
    expect(j.postings.map((p) => p.direction)).toEqual([NORMAL_SIDE.revenue, 'debit']);
  });

  it('refuses unbalanced or empty journals', () => {
    const cash = accountOf('cash', 'USD');
    const revenue = accountOf('revenue', 'USD');
    expect(() =>
      buildJournal({
        kind: 'reversal',
        memo: 'bad',
        customerId: null,
        documentId: null,
        postings: [
          { account: cash, direction: 'debit', amountMinor: 10n },
          { account: revenue, direction: 'credit', amountMinor: 9n },
        ],
      }),
    ).toThrow(/does not balance in USD/);
    expect(() =>
      buildJournal({
        kind: 'reversal',
        memo: 'fx',
        customerId: null,
        documentId: null,
        postings: [
          { account: cash, direction: 'debit', amountMinor: 10n },
          { account: accountOf('revenue', 'EUR'), direction: 'credit', amountMinor: 10n },
        ],
      }),
    ).toThrow(/does not balance/);
    expect(() => creditGranted({ ...base, amountMinor: 0n })).toThrow(/no movement/);
    expect(() => accountOf('receivable', 'USD')).toThrow(/belong to a customer/);
  });
});
