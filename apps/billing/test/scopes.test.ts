// Who may do what over HTTP: real HS256 tokens carrying `scope` or `scp`, against the billing
// server run as a process with bearer auth, answered with 403 insufficient_scope where they fall short.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  spawnServerProcess,
  type ServerProcess,
  type TestDatabase,
} from '@bounded/core/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingApp } from '../src/server.js';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const SECRET = 'billing-test-signing-secret-long-enough-0123456789';

let testDb: TestDatabase;
let dataDir: string;
let server: ServerProcess;
let url: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'bounded-billing-scopes-'));
  server = spawnServerProcess(
    process.execPath,
    ['--conditions=@bounded/source', '--import', 'tsx', MAIN, '--http', '--port', '0', '--seed-demo'],
    {
      cwd: APP_DIR,
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'warn',
        AUTH_JWT_SECRET: SECRET,
        AUTH_AUDIENCE: 'billing',
        AUTH_AUTHORIZATION_SERVERS: 'https://auth.example.test',
        BILLING_RENEWAL_INTERVAL_MINUTES: '0',
        ...(testDb.url ? { DATABASE_URL: testDb.url } : { BOUNDED_DATA_DIR: join(dataDir, 'pglite') }),
      },
    },
  );
  [, url] = (await server.waitForStderr(/serving MCP on (http:\/\/\S+)/, 90_000)) as unknown as [
    string,
    string,
  ];
}, 120_000);

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await testDb?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const token = (claims: Record<string, unknown>, sub = 'agent-1') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setAudience('billing')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));

let id = 0;
/** One JSON-RPC request as a stateless 2025-11-25 POST; the status and challenge are what matter. */
function rpc(
  jwt: string,
  method: string,
  params: Record<string, unknown>,
): Promise<{ status: number; challenge: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${jwt}`,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            challenge: String(res.headers['www-authenticate'] ?? ''),
            body,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: (id += 1), method, params }));
  });
}

const refund = {
  name: 'issue_refund',
  arguments: {
    payment_id: 'pay_missing',
    currency: 'USD',
    reason: 'Scope test',
    idempotency_key: 'scope-test-refund-1',
  },
};
const credit = {
  name: 'grant_account_credit',
  arguments: {
    customer_id: 'cus_demo_globex',
    amount_minor: 100,
    currency: 'EUR',
    reason: 'Scope test',
    idempotency_key: 'scope-test-credit-1',
  },
};

describe('billing scopes over HTTP', () => {
  it('declares a scope on every tool, resource and prompt, and advertises them all', async () => {
    for (const entry of [...billingApp.tools, ...billingApp.resources!, ...billingApp.prompts!]) {
      expect(entry.scopes, entry.name).toEqual([
        expect.stringMatching(/^billing:(read|write|refund|credit)$/),
      ]);
    }
    const metadata = await fetch(`${new URL(url).origin}/.well-known/oauth-protected-resource/mcp`);
    expect(((await metadata.json()) as { scopes_supported: string[] }).scopes_supported.sort()).toEqual([
      'billing:credit',
      'billing:read',
      'billing:refund',
      'billing:write',
    ]);
  });

  it('lets a billing:read token read, and answers its refund and credit with 403 naming the scope', async () => {
    const reader = await token({ scope: 'billing:read' });
    const summary = await rpc(reader, 'tools/call', {
      name: 'get_customer_billing_summary',
      arguments: { customer: 'cus_demo_globex' },
    });
    expect(summary.status).toBe(200);
    expect(summary.body).toContain('Globex');
    const plans = await rpc(reader, 'resources/read', { uri: 'billing://plans' });
    expect(plans.status).toBe(200);

    for (const [call, scope] of [
      [refund, 'billing:refund'],
      [credit, 'billing:credit'],
    ] as const) {
      const refused = await rpc(reader, 'tools/call', call);
      expect(refused.status, call.name).toBe(403);
      expect(refused.challenge).toMatch(/^Bearer error="insufficient_scope"/);
      expect(refused.challenge).toContain(`scope="${scope}"`);
      expect(refused.challenge).toContain('resource_metadata="');
    }
  });

  it('answers resources and prompts without billing:read with 403 (scp as an array)', async () => {
    const writer = await token({ scp: ['billing:write', 'billing:refund'] });
    for (const [method, params] of [
      ['resources/read', { uri: 'billing://customers/cus_demo_globex' }],
      ['resources/read', { uri: 'billing://plans' }],
      ['prompts/get', { name: 'investigate_billing_dispute', arguments: { customer: 'x', complaint: 'y' } }],
      ['tools/call', { name: 'find_invoices', arguments: {} }],
    ] as const) {
      const refused = await rpc(writer, method, params);
      expect(refused.status, JSON.stringify(params)).toBe(403);
      expect(refused.challenge).toContain('scope="billing:read"');
    }
    // The refund scope it does hold lets the call through to the tool (which finds no such payment).
    const allowed = await rpc(writer, 'tools/call', refund);
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain('not_found');
  });

  it("gives a token's '*' no rights (AUTH_ALLOW_WILDCARD_SCOPE is off)", async () => {
    const star = await token({ scope: '*' });
    expect((await rpc(star, 'tools/call', refund)).status).toBe(403);
    expect((await rpc(star, 'resources/read', { uri: 'billing://plans' })).status).toBe(403);
  });

  it('refuses a 2026-07-28 client the same way', async () => {
    const client = new Client(
      { name: 'scopes-test', version: '0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${await token({ scope: 'billing:read' })}` } },
      }),
    );
    try {
      expect(client.getProtocolEra()).toBe('modern');
      const plans = await client.readResource({ uri: 'billing://plans' });
      expect(plans.contents[0]).toMatchObject({ uri: 'billing://plans' });
      await expect(client.callTool({ name: credit.name, arguments: credit.arguments })).rejects.toThrow(
        /403|insufficient_scope|scope/i,
      );
    } finally {
      await client.close();
    }
  });
});
