import { request } from 'node:http';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1HttpTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServerProcess, type ServerProcess } from '../src/testing/index.js';
import { CORE_DIR, NOTES_NODE_ARGS, useServerDatabase } from './support/notes-process.js';

const SECRET = 'a-test-signing-secret-that-is-long-enough-0123456789';
const METRICS_TOKEN = 'metrics-scrape-token-0123456789';
const servers = useServerDatabase();

async function startServer(
  env: Record<string, string> = {},
): Promise<{ server: ServerProcess; url: string }> {
  const server = spawnServerProcess(process.execPath, [...NOTES_NODE_ARGS, '--http', '--port', '0'], {
    cwd: CORE_DIR,
    env: servers.env({ LOG_LEVEL: 'info', ...env }),
  });
  try {
    const [, url] = await server.waitForStderr(/serving MCP on (http:\/\/\S+)/);
    return { server, url: url! };
  } catch (error) {
    server.child.kill('SIGKILL');
    throw error;
  }
}

function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});
/** An HS256 token for the notes audience, valid five minutes; `sub` may be left out to test that. */
function sign(claims: Record<string, unknown>, sub?: string): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience('notes-api')
    .setExpirationTime('5m');
  return (sub === undefined ? jwt : jwt.setSubject(sub)).sign(new TextEncoder().encode(SECRET));
}

const POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('HTTP without auth (loopback)', () => {
  let server: ServerProcess;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await startServer());
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it.each(['modern', 'legacy'] as const)(
    'serves a %s client: tools/list and a tools/call round trip',
    async (era) => {
      const client = new Client(
        { name: 'http-test', version: '0' },
        era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
      );
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      try {
        expect(client.getProtocolEra()).toBe(era);
        expect((await client.listTools()).tools.map((t) => t.name)).toContain('add_note');
        const result = await client.callTool({
          name: 'add_note',
          arguments: { title: `http-${era}`, body: '', idempotency_key: `http-${era}-${Date.now()}` },
        });
        expect(result.structuredContent).toMatchObject({ note: { title: `http-${era}` }, replayed: false });
      } finally {
        await client.close();
      }
    },
  );

  it('serves the v1 SDK client', async () => {
    const client = new V1Client({ name: 'v1-host', version: '0' });
    await client.connect(new V1HttpTransport(new URL(url)));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('add_note');
      const result = await client.callTool({
        name: 'add_note',
        arguments: { title: 'http-v1', body: '', idempotency_key: `http-v1-${Date.now()}` },
      });
      expect(result.structuredContent).toMatchObject({ note: { title: 'http-v1' } });
    } finally {
      await client.close();
    }
  });

  it('answers /healthz, /readyz and /metrics', async () => {
    const base = url.replace(/\/mcp$/, '');
    expect((await raw(`${base}/healthz`, {})).status).toBe(200);
    expect(JSON.parse((await raw(`${base}/readyz`, {})).body)).toEqual({ status: 'ready' });
    const metrics = await raw(`${base}/metrics`, {});
    expect(metrics.body).toMatch(/bounded_tool_calls_total\{[^}]*tool="add_note"[^}]*\} \d+/);
  });

  it('answers params of the wrong type with -32602 and one line naming the field, as stdio does', async () => {
    const post = (request: Record<string, unknown>) =>
      raw(url, {
        method: 'POST',
        headers: { ...POST_HEADERS, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', ...request }),
      });
    const cursor = await post({ id: 7, method: 'tools/list', params: { cursor: 123 } });
    expect(cursor.status).toBe(400);
    expect(JSON.parse(cursor.body)).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: {
        code: -32602,
        message: 'Invalid params for tools/list: params.cursor: expected string, received number.',
      },
    });
    const meta = await post({ id: 'm', method: 'tools/call', params: { name: 'add_note', _meta: 5 } });
    expect(JSON.parse(meta.body).error).toEqual({
      code: -32602,
      message: 'Invalid params for tools/call: params._meta: expected an object, received number.',
    });
    const args = await post({ id: 8, method: 'tools/call', params: { name: 'add_note', arguments: 'x' } });
    expect(JSON.parse(args.body).error).toMatchObject({
      code: -32602,
      message: expect.stringMatching(/^Invalid params for tools\/call: params\.arguments: /),
    });
    // Well-typed params still reach the server.
    expect((await post({ id: 9, method: 'tools/list', params: {} })).status).toBe(200);
  });

  it('refuses a foreign Host or Origin (DNS rebinding)', async () => {
    expect(
      (await raw(url, { method: 'POST', headers: { ...POST_HEADERS, host: 'evil.example' }, body: INIT }))
        .status,
    ).toBe(403);
    expect(
      (
        await raw(url, {
          method: 'POST',
          headers: { ...POST_HEADERS, origin: 'http://evil.example' },
          body: INIT,
        })
      ).status,
    ).toBe(403);
    expect((await raw(url, { method: 'POST', headers: POST_HEADERS, body: INIT })).status).toBe(200);
  });
});

describe('HTTP with bearer JWT auth', () => {
  let server: ServerProcess;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await startServer({
      AUTH_JWT_SECRET: SECRET,
      AUTH_AUDIENCE: 'notes-api',
      AUTH_AUTHORIZATION_SERVERS: 'https://auth.example.test',
      METRICS_TOKEN: METRICS_TOKEN,
    }));
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  const token = (claims: { aud?: string; sub?: string; scope?: string; expiresIn?: string }) =>
    new SignJWT({ scope: claims.scope ?? '' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub ?? 'alice')
      .setAudience(claims.aud ?? 'notes-api')
      .setIssuedAt()
      .setExpirationTime(claims.expiresIn ?? '5m')
      .sign(new TextEncoder().encode(SECRET));

  it('serves /metrics only with METRICS_TOKEN, not with a JWT or nothing', async () => {
    const metrics = `${new URL(url).origin}/metrics`;
    expect((await raw(metrics, {})).status).toBe(401);
    const jwt = await token({ scope: 'notes:write' });
    expect((await raw(metrics, { headers: { authorization: `Bearer ${jwt}` } })).status).toBe(401);
    const near = `Bearer ${METRICS_TOKEN.slice(0, -1)}`;
    expect((await raw(metrics, { headers: { authorization: near } })).status).toBe(401);
    const ok = await raw(metrics, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/^# HELP /m);
    // The scheme is case-insensitive (RFC 9110), as for the MCP endpoint's JWTs.
    const lower = await raw(metrics, { headers: { authorization: `bearer ${METRICS_TOKEN}` } });
    expect(lower.status).toBe(200);
  });

  it('refuses a missing, wrongly addressed or expired token with 401 and a challenge', async () => {
    const missing = await raw(url, { method: 'POST', headers: POST_HEADERS, body: INIT });
    expect(missing.status).toBe(401);
    const challenge = String(missing.headers['www-authenticate']);
    expect(challenge).toMatch(/^Bearer /);
    // RFC 6750 §3.1: no credentials sent, so no error code in the challenge.
    expect(challenge).not.toMatch(/error=/);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)![1]!;
    expect(metadataUrl).toBe(`${new URL(url).origin}/.well-known/oauth-protected-resource/mcp`);
    const metadata = JSON.parse((await raw(metadataUrl, {})).body) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      // The MCP endpoint's own URL (RFC 9728 / RFC 8707), not the token audience.
      resource: url,
      authorization_servers: ['https://auth.example.test'],
      scopes_supported: ['notes:write', 'notes:read'],
    });
    const garbage = await raw(url, {
      method: 'POST',
      headers: { ...POST_HEADERS, authorization: 'Bearer not-a-jwt' },
      body: INIT,
    });
    expect(garbage.status).toBe(401);
    expect(String(garbage.headers['www-authenticate'])).toMatch(/error="invalid_token"/);
    const wrongAud = await raw(url, {
      method: 'POST',
      headers: { ...POST_HEADERS, authorization: `Bearer ${await token({ aud: 'other' })}` },
      body: INIT,
    });
    expect(wrongAud.status).toBe(401);
    const noExpiry = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setAudience('notes-api')
      .sign(new TextEncoder().encode(SECRET));
    expect(
      (
        await raw(url, {
          method: 'POST',
          headers: { ...POST_HEADERS, authorization: `Bearer ${noExpiry}` },
          body: INIT,
        })
      ).status,
    ).toBe(401);
    const expired = await raw(url, {
      method: 'POST',
      headers: { ...POST_HEADERS, authorization: `Bearer ${await token({ expiresIn: '-1m' })}` },
      body: INIT,
    });
    expect(expired.status).toBe(401);
  });

  const callDelete = (jwt: string, idempotencyKey: string) =>
    raw(url, {
      method: 'POST',
      headers: { ...POST_HEADERS, authorization: `Bearer ${jwt}` },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'delete_note', arguments: { id: '999999', idempotency_key: idempotencyKey } },
      }),
    });

  it('answers a token without the scope with 403 insufficient_scope naming it (scope, scp, *)', async () => {
    for (const claims of [{ scope: 'notes:read' }, { scp: ['notes:read'] }, { scope: '*' }]) {
      const jwt = await sign(claims, 'reader');
      const refused = await callDelete(jwt, `scope-${Date.now()}`);
      expect(refused.status, JSON.stringify(claims)).toBe(403);
      const challenge = String(refused.headers['www-authenticate']);
      expect(challenge).toMatch(/^Bearer error="insufficient_scope"/);
      expect(challenge).toContain('scope="notes:write"');
      expect(challenge).toContain(
        `resource_metadata="${new URL(url).origin}/.well-known/oauth-protected-resource/mcp"`,
      );
    }
    for (const claims of [{ scope: 'notes:read notes:write' }, { scp: 'notes:write' }]) {
      const jwt = await sign(claims, 'writer');
      const allowed = await callDelete(jwt, `scope-ok-${Date.now()}`);
      expect(allowed.status, JSON.stringify(claims)).toBe(200);
      // The call reached the tool, which asks for confirmation this raw client cannot give.
      expect(allowed.body).toContain('confirmation_required');
    }
  });

  it('refuses a token whose subject is not a string', async () => {
    const jwt = await sign({ sub: 42, scope: 'notes:write' });
    const refused = await callDelete(jwt, `sub-${Date.now()}`);
    expect(refused.status).toBe(401);
  });

  it('serves a valid token and scopes idempotency keys by its subject', async () => {
    const connect = async (sub: string) => {
      const client = new Client(
        { name: 'auth-test', version: '0' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { authorization: `Bearer ${await token({ sub })}` } },
        }),
      );
      return client;
    };
    const alice = await connect('alice');
    const bob = await connect('bob');
    try {
      const k = `shared-key-${Date.now()}`;
      const a = await alice.callTool({
        name: 'add_note',
        arguments: { title: 'from alice', body: '', idempotency_key: k },
      });
      const b = await bob.callTool({
        name: 'add_note',
        arguments: { title: 'from bob', body: '', idempotency_key: k },
      });
      expect(a.structuredContent).toMatchObject({ note: { title: 'from alice' }, replayed: false });
      expect(b.structuredContent).toMatchObject({ note: { title: 'from bob' }, replayed: false });
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});

describe('start-up checks', () => {
  it('refuses AUTH_JWKS_URL without AUTH_ISSUER', async () => {
    const server = spawnServerProcess(process.execPath, [...NOTES_NODE_ARGS, '--http', '--port', '0'], {
      cwd: CORE_DIR,
      env: servers.env({ AUTH_JWKS_URL: 'https://idp.example.test/jwks', AUTH_AUDIENCE: 'notes-api' }),
    });
    expect(await server.exited).toBe(2);
    expect(server.stderr.join('\n')).toMatch(/Invalid AUTH_ISSUER: required with AUTH_JWKS_URL/);
  });

  it('says plainly that a public bind without auth is open to anyone', async () => {
    const { server } = await startServer({
      HOST: '0.0.0.0',
      INSECURE_NO_AUTH: 'true',
      ALLOWED_HOSTS: 'localhost',
    });
    try {
      const banner = server.stderr.find((line) => line.includes('serving MCP on'))!;
      expect(banner).not.toMatch(/loopback only/);
      expect(banner).toMatch(/NO AUTH: INSECURE_NO_AUTH=true/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('HTTP with legacy sessions (LEGACY_HTTP_SESSIONS=true)', () => {
  let server: ServerProcess;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await startServer({
      AUTH_JWT_SECRET: SECRET,
      AUTH_AUDIENCE: 'notes-api',
      LEGACY_HTTP_SESSIONS: 'true',
    }));
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  const token = (sub: string) => sign({ scope: 'notes:read notes:write' }, sub);

  it('asks a v1 host to confirm a destructive call, over HTTP', async () => {
    const { ElicitRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const asked: string[] = [];
    const client = new V1Client({ name: 'v1-host', version: '0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(String(request.params.message));
      return { action: 'accept', content: { confirm: true } };
    });
    await client.connect(
      new V1HttpTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${await token('alice')}` } },
      }),
    );
    try {
      const added = await client.callTool({
        name: 'add_note',
        arguments: { title: 'session', body: '', idempotency_key: `session-add-${Date.now()}` },
      });
      const id = (added.structuredContent as { note: { id: string } }).note.id;
      const deleted = await client.callTool({
        name: 'delete_note',
        arguments: { id, idempotency_key: `session-delete-${Date.now()}` },
      });
      expect(deleted.structuredContent).toMatchObject({ deleted: id, replayed: false });
      expect(asked).toEqual([`Delete note ${id}?`]);
    } finally {
      await client.close();
    }
  });

  it("answers another principal's session id as unknown (404)", async () => {
    const opened = await raw(url, {
      method: 'POST',
      headers: { ...POST_HEADERS, authorization: `Bearer ${await token('alice')}` },
      body: INIT,
    });
    expect(opened.status).toBe(200);
    const sessionId = String(opened.headers['mcp-session-id']);
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const headers = { ...POST_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    const stolen = await raw(url, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${await token('mallory')}` },
      body: list,
    });
    expect(stolen.status).toBe(404);
    const own = await raw(url, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${await token('alice')}` },
      body: list,
    });
    expect(own.status).toBe(200);
    expect(own.body).toContain('delete_note');
  });
});
