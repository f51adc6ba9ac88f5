import { loadMigrations } from '@bounded/core';
import {
  connectClient,
  createTestDatabase,
  createTestRuntime,
  type ConnectOptions,
  type TestClient,
  type TestDatabase,
} from '@bounded/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingConfig, type BillingDeps } from '../src/config.js';
import { seedDemo } from '../src/seed-demo.js';
import { billingApp } from '../src/server.js';
import { MIGRATIONS } from './support/billing.js';
import { invariantViolations } from './support/invariants.js';

let testDb: TestDatabase;
const NOW = new Date('2026-03-10T09:00:00Z');
const deps: BillingDeps = { config: BillingConfig.parse({}), now: () => NOW };

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => testDb.close());

async function connect(
  options: Partial<ConnectOptions> = {},
  runtimeOptions: Record<string, unknown> = {},
): Promise<TestClient> {
  const runtime = createTestRuntime({
    app: billingApp,
    db: testDb.db,
    deps,
    migrations: await loadMigrations(MIGRATIONS),
    options: runtimeOptions,
  });
  await runtime.ready();
  await seedDemo(testDb.db, NOW);
  return connectClient(runtime, { era: 'modern', ...options });
}

let counter = 0;
const key = () => `protocol-${Date.now()}-${(counter += 1)}`;

/** A new customer on the demo Pro plan who paid its first invoice (USD 49.00) in full; returns the payment id. */
async function paidPayment(client: TestClient): Promise<string> {
  const onboarded = await client.callTool('onboard_customer', {
    name: `Protocol ${counter}`,
    plan_id: 'plan_pro_usd',
    idempotency_key: key(),
  });
  const invoice = (onboarded.structuredContent as { first_invoice: { invoice_id: string } }).first_invoice
    .invoice_id;
  const paid = await client.callTool('record_payment', {
    invoice_id: invoice,
    amount_minor: 4900,
    currency: 'USD',
    method: 'card',
    idempotency_key: key(),
  });
  expect(paid.isError, JSON.stringify(paid)).toBeFalsy();
  return (paid.structuredContent as { payment: { payment_id: string } }).payment.payment_id;
}

describe('billing over MCP', () => {
  it('lists eight tools, each with all four annotations, an output schema and a bounded description', async () => {
    const client = await connect();
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        'change_subscription_plan',
        'create_invoice',
        'find_invoices',
        'get_customer_billing_summary',
        'grant_account_credit',
        'issue_refund',
        'onboard_customer',
        'record_payment',
      ]);
      for (const tool of tools) {
        expect(Object.keys(tool.annotations as object)).toEqual(
          expect.arrayContaining(['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']),
        );
        expect(tool.outputSchema).toBeDefined();
        expect(String(tool.description).length).toBeLessThan(1200);
      }
      // The whole listing stays small enough to sit in a model's context comfortably: 30.3k
      // characters when this limit was set (35.8k before descriptions and result schemas were trimmed,
      // 32.0k before each fact was said once).
      const size = JSON.stringify(tools).length;
      expect(size).toBeLessThan(31_300);
      await expect(JSON.stringify(tools, null, 2)).toMatchFileSnapshot('__snapshots__/tools-list.json');
    } finally {
      await client.close();
    }
  });

  it('runs one refund for 20 concurrent calls with the same key', async () => {
    const client = await connect();
    try {
      const paymentId = await paidPayment(client);
      const args = {
        payment_id: paymentId,
        amount_minor: 1500,
        currency: 'USD',
        reason: 'Retried by the client',
        idempotency_key: key(),
      };
      const results = await Promise.all(
        Array.from({ length: 20 }, () => client.callTool('issue_refund', args)),
      );
      for (const r of results) expect(r.isError, JSON.stringify(r)).toBeFalsy();
      const ids = new Set(
        results.map((r) => (r.structuredContent as { refund: { refund_id: string } }).refund.refund_id),
      );
      expect(ids.size).toBe(1);
      expect(results.filter((r) => r.structuredContent!.replayed === false)).toHaveLength(1);
      const { rows } = await testDb.db.query<{ n: string; refunded: string }>(
        'SELECT count(*)::text AS n, (SELECT refunded_minor FROM payments WHERE id = $1)::text AS refunded FROM refunds WHERE payment_id = $1',
        [paymentId],
      );
      expect(rows[0]).toEqual({ n: '1', refunded: '1500' });
    } finally {
      await client.close();
    }
  });

  it('two keys racing to refund past the captured amount: one wins, the other gets precondition_failed', async () => {
    const client = await connect();
    try {
      const paymentId = await paidPayment(client);
      const refund = () =>
        client.callTool('issue_refund', {
          payment_id: paymentId,
          amount_minor: 3000,
          currency: 'USD',
          reason: 'Race',
          idempotency_key: key(),
        });
      const results = await Promise.all([refund(), refund()]);
      expect(results.filter((r) => !r.isError)).toHaveLength(1);
      const failed = results.find((r) => r.isError)!;
      expect(failed.structuredContent!.error).toMatchObject({
        code: 'precondition_failed',
        details: { refundable_minor: 1900 },
      });
      expect(failed.content[0]!.text).toContain('precondition_failed');
    } finally {
      await client.close();
    }
  });

  it('asks the person before a large refund, and does nothing when they decline', async () => {
    const asked: string[] = [];
    let answer: 'accept' | 'decline' = 'decline';
    const client = await connect({
      onElicit: (message) => {
        asked.push(message);
        return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
      },
    });
    try {
      const onboarded = await client.callTool('onboard_customer', {
        name: 'Big Spender',
        plan_id: 'plan_pro_usd',
        idempotency_key: key(),
      });
      const customerId = (onboarded.structuredContent as { customer: { customer_id: string } }).customer
        .customer_id;
      const created = await client.callTool('create_invoice', {
        customer_id: customerId,
        currency: 'USD',
        lines: [{ description: 'On-site training', unit_amount_minor: 80000 }],
        idempotency_key: key(),
      });
      const invoice = (created.structuredContent as { invoice: { invoice_id: string } }).invoice.invoice_id;
      const paid = await client.callTool('record_payment', {
        invoice_id: invoice,
        amount_minor: 80000,
        currency: 'USD',
        method: 'card',
        idempotency_key: key(),
      });
      const paymentId = (paid.structuredContent as { payment: { payment_id: string } }).payment.payment_id;
      const declined = await client.callTool('issue_refund', {
        payment_id: paymentId,
        amount_minor: 60000,
        currency: 'USD',
        reason: 'Training cancelled',
        idempotency_key: key(),
      });
      expect(declined.structuredContent!.error).toMatchObject({ code: 'permission_denied' });
      // The operator's earlier refunds in this file count toward the threshold too; the question names them.
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(
        new RegExp(`^Refund USD 600\\.00 on ${paymentId} to Big Spender\\? .*Reason: Training cancelled$`),
      );
      const { rows } = await testDb.db.query('SELECT 1 FROM refunds WHERE payment_id = $1', [paymentId]);
      expect(rows).toHaveLength(0);
      answer = 'accept';
      const accepted = await client.callTool('issue_refund', {
        payment_id: paymentId,
        currency: 'USD',
        reason: 'Training cancelled',
        idempotency_key: key(),
      });
      expect(accepted.structuredContent).toMatchObject({ refund: { amount_minor: 80000 }, replayed: false });
      expect(asked).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it('asks before an immediate plan change, with its price, and changes nothing when declined', async () => {
    const asked: string[] = [];
    let answer: 'accept' | 'decline' = 'decline';
    const client = await connect({
      onElicit: (message) => {
        asked.push(message);
        return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
      },
    });
    try {
      const tool = (await client.listTools()).tools.find((t) => t.name === 'change_subscription_plan')!;
      expect(tool.annotations).toMatchObject({ destructiveHint: true });
      const onboarded = await client.callTool('onboard_customer', {
        name: 'Yearly Mover',
        plan_id: 'plan_pro_usd',
        idempotency_key: key(),
      });
      const customerId = (onboarded.structuredContent as { customer: { customer_id: string } }).customer
        .customer_id;
      const planOf = async () =>
        (
          await testDb.db.query<{ plan_id: string; invoices: string }>(
            `SELECT plan_id, (SELECT count(*)::text FROM invoices WHERE customer_id = $1) AS invoices
             FROM subscriptions WHERE customer_id = $1`,
            [customerId],
          )
        ).rows[0];
      const before = await planOf();
      const change = (when: 'now' | 'period_end') =>
        client.callTool('change_subscription_plan', {
          customer_id: customerId,
          new_plan_id: 'plan_pro_usd_yearly',
          when,
          idempotency_key: key(),
        });
      const declined = await change('now');
      expect(declined.structuredContent!.error).toMatchObject({ code: 'permission_denied' });
      expect(asked).toEqual([
        expect.stringMatching(/^Move Yearly Mover from Pro to .+ now\? This invoices USD [\d,.]+ today\.$/),
      ]);
      expect(await planOf()).toEqual(before);

      // Scheduling for the period end charges nothing now and is not asked about.
      const scheduled = await change('period_end');
      expect(scheduled.isError, JSON.stringify(scheduled)).toBeFalsy();
      expect(asked).toHaveLength(1);

      answer = 'accept';
      const changed = await change('now');
      expect(changed.isError, JSON.stringify(changed)).toBeFalsy();
      expect(asked).toHaveLength(2);
      expect((await planOf())!.plan_id).toBe('plan_pro_usd_yearly');
    } finally {
      await client.close();
    }
  });

  it('--read-only serves the two read tools; resources and the prompt read well', async () => {
    const client = await connect({}, { readOnly: true });
    try {
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
        'find_invoices',
        'get_customer_billing_summary',
      ]);
      const templates = (await client.listResourceTemplates()).resourceTemplates
        .map((t) => t.uriTemplate)
        .sort();
      expect(templates).toEqual(['billing://customers/{customer_id}', 'billing://invoices/{invoice_id}']);
      const plans = await client.readResource('billing://plans');
      expect(plans.contents[0]!.text).toContain('| plan_pro_jpy | Pro | JPY 7500 per month |');
      const customer = await client.readResource('billing://customers/cus_demo_globex');
      expect(customer.contents[0]!.text).toContain('# Globex GmbH');
      const found = await client.callTool('find_invoices', {
        customer_id: 'cus_demo_globex',
        status: 'overdue',
      });
      const invoiceId = (found.structuredContent as { invoices: { invoice_id: string }[] }).invoices[0]!
        .invoice_id;
      const invoice = await client.readResource(`billing://invoices/${invoiceId}`);
      expect(invoice.contents[0]!.text).toMatch(/# Invoice inv_\w+[\s\S]*\*\*Amount due: EUR /);
      await expect(client.readResource('billing://invoices/inv_missing')).rejects.toThrow();
      const prompt = await client.getPrompt('investigate_billing_dispute', {
        customer: 'cus_demo_globex',
        complaint: 'I was charged twice in January.',
      });
      expect(prompt.messages[0]!.content.text).toContain('get_customer_billing_summary');
    } finally {
      await client.close();
    }
  });

  it('leaves the book balanced', async () => {
    expect(await invariantViolations(testDb.db)).toEqual([]);
  });
});
