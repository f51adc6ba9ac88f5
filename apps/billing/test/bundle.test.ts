// The shipped artifact, end to end: the bundled server (dist layout, lazily loaded chunks) spawned
// over stdio with --seed-demo, driven by the official client's stdio transport through every tool,
// and the same bundle over HTTP, where the HTTP stack and prom-client load from their own chunks.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  spawnServerProcess,
  startupFiles,
  type TestDatabase,
} from '@bounded/core/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../../scripts/bundle-app.mjs';
import { billingApp } from '../src/server.js';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

let testDb: TestDatabase;
let outDir: string;
let dataDir: string;
let client: Client;
const stderr: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  // Inside the app, so the bundle resolves PGlite and finds ../migrations as dist/main.js does.
  outDir = mkdtempSync(join(APP_DIR, '.bundle-'));
  dataDir = mkdtempSync(join(tmpdir(), 'bounded-billing-stdio-'));
  await bundle(join(APP_DIR, 'src', 'main.ts'), outDir);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(outDir, 'main.js'), '--seed-demo'],
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      ...(testDb.url ? { DATABASE_URL: testDb.url } : { BOUNDED_DATA_DIR: join(dataDir, 'stdio') }),
    },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  client = new Client({ name: 'billing-stdio-test', version: '0' });
  await client.connect(transport);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await testDb?.close();
  rmSync(outDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

let n = 0;
const key = () => `stdio-bundle-${process.pid}-${Date.now()}-${(n += 1)}`;

// Parsed by the tool's own output schema below; the session reads it field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Data = any;

/** Calls a tool, checks the result is a success whose structuredContent matches the tool's schema. */
async function call(name: string, args: Record<string, unknown>): Promise<{ data: Data; text: string }> {
  const result = await client.callTool({ name, arguments: args }, { timeout: 60_000 });
  expect(result.isError, `${name}: ${JSON.stringify(result)}\n${stderr.join('')}`).toBeFalsy();
  const tool = billingApp.tools.find((t) => t.name === name)!;
  // The wrapper adds `replayed` to what the handler returned; the rest is the tool's own schema.
  const { replayed, ...data } = result.structuredContent as Data;
  tool.output.parse(data);
  const text = (result.content as { type: string; text: string }[])[0]!.text;
  expect(text.length).toBeGreaterThan(0);
  expect(text.trimStart().startsWith('{')).toBe(false);
  return { data: { ...data, replayed }, text };
}

describe('the bundle layout', () => {
  it('keeps the HTTP stack, pg, prom-client and jose out of what a stdio server loads at start', () => {
    const files = [...startupFiles(join(outDir, 'main.js'))];
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      expect(source, file).not.toMatch(/from\s*"node:(http|http2|https|tls)"/);
      // esbuild marks each bundled module with its path; these packages must sit in lazy chunks.
      expect(source, file).not.toMatch(
        /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?(prom-client|pg-protocol|jose|@hono)\//,
      );
    }
  });
});

describe('the bundled billing server over stdio, on the demo book', () => {
  it('lists its eight tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(billingApp.tools.map((t) => t.name).sort());
  });

  it('does a support session with every tool', async () => {
    const summary = await call('get_customer_billing_summary', { customer: 'rechnungen@globex.example' });
    expect(summary.data.customer.customer_id).toBe('cus_demo_globex');
    expect(summary.text).toMatch(/Globex GmbH/);

    const overdue = await call('find_invoices', { customer_id: 'cus_demo_globex', status: 'overdue' });
    const oldest = overdue.data.invoices.at(-1);
    expect(oldest.amount_due_minor).toBeGreaterThan(2500);

    const paid = await call('record_payment', {
      invoice_id: oldest.invoice_id,
      amount_minor: 2500,
      currency: 'EUR',
      method: 'bank_transfer',
      provider_reference: 'SEPA-TEST-1',
      idempotency_key: key(),
    });
    expect(paid.data.invoice.amount_due_minor).toBe(oldest.amount_due_minor - 2500);

    const refundKey = key();
    const refundArgs = {
      payment_id: paid.data.payment.payment_id,
      amount_minor: 500,
      currency: 'EUR',
      reason: 'Bank fee reimbursed',
      idempotency_key: refundKey,
    };
    const refund = await call('issue_refund', refundArgs);
    const again = await call('issue_refund', refundArgs);
    expect(again.data.refund.refund_id).toBe(refund.data.refund.refund_id);
    expect(again.data.replayed).toBe(true);

    const credit = await call('grant_account_credit', {
      customer_id: 'cus_demo_globex',
      amount_minor: 1000,
      currency: 'EUR',
      reason: 'Goodwill after the outage',
      apply_to_open_invoices: false,
      idempotency_key: key(),
    });
    expect(credit.data.credit.remaining_minor).toBe(1000);

    const invoice = await call('create_invoice', {
      customer_id: 'cus_demo_globex',
      currency: 'EUR',
      lines: [{ description: 'Onboarding workshop', quantity: 1, unit_amount_minor: 30_000 }],
      idempotency_key: key(),
    });
    expect(invoice.data.invoice.amount_due_minor).toBe(30_000 - 1000);

    const change = await call('change_subscription_plan', {
      customer_id: 'cus_demo_initech',
      new_plan_id: 'plan_pro_usd',
      when: 'period_end',
      idempotency_key: key(),
    });
    expect(change.data.subscription.pending_plan_id).toBe('plan_pro_usd');

    const onboarded = await call('onboard_customer', {
      name: 'Stdio Test Ltd',
      email: 'billing@stdio-test.example',
      plan_id: 'plan_starter_eur',
      idempotency_key: key(),
    });
    expect(onboarded.data.customer.customer_id).toMatch(/^cus_/);
  }, 120_000);
});

describe('the bundled billing server over HTTP', () => {
  it('serves tools and /metrics, and stops cleanly on SIGTERM', async () => {
    const server = spawnServerProcess(process.execPath, [join(outDir, 'main.js'), '--http', '--port', '0'], {
      env: testDb.url ? { DATABASE_URL: testDb.url } : { BOUNDED_DATA_DIR: join(dataDir, 'http') },
    });
    try {
      const [, url] = await server.waitForStderr(/serving MCP on (http:\/\/\S+\/mcp)/);
      const http = new Client({ name: 'billing-http-test', version: '0' });
      await http.connect(new StreamableHTTPClientTransport(new URL(url!)));
      const found = await http.callTool({
        name: 'find_invoices',
        arguments: { status: 'overdue', limit: 1 },
      });
      expect(found.isError, JSON.stringify(found)).toBeFalsy();
      await http.close();
      const metrics = await (await fetch(new URL('/metrics', url))).text();
      expect(metrics).toMatch(
        /bounded_tool_calls_total\{tool="find_invoices",outcome="ok",app="billing"\} 1/,
      );
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 60_000);
});
