import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1StdioTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import { spawnServerProcess, type ServerProcess } from '../src/testing/index.js';
import { CORE_DIR, NOTES_NODE_ARGS, useServerDatabase } from './support/notes-process.js';

const NODE_ARGS = NOTES_NODE_ARGS;
const CWD = CORE_DIR;
const servers = useServerDatabase();
const serverEnv = (extra: Record<string, string> = {}) => servers.env(extra);

function inheritedEnv(extra: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries({ ...process.env, ...extra }).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
}

const initialize = {
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'raw', version: '0' },
};

/** Spawns the server and opens a 2025-era session over raw stdio (the reply to initialize has id 1). */
async function startRawSession(
  env: Record<string, string> = serverEnv(),
  args: string[] = [],
): Promise<ServerProcess> {
  const server = spawnServerProcess(process.execPath, [...NODE_ARGS, ...args], { cwd: CWD, env });
  server.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: initialize });
  await server.waitForMessage((m) => m.id === 1);
  server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return server;
}

describe('stdio', () => {
  it.each(['modern', 'legacy'] as const)(
    'serves a %s client: tools/list and a tools/call round trip',
    async (era) => {
      const client = new Client(
        { name: 'stdio-test', version: '0' },
        era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
      );
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: NODE_ARGS,
        cwd: CWD,
        env: inheritedEnv(serverEnv()),
        stderr: 'pipe',
      });
      await client.connect(transport);
      try {
        expect(client.getProtocolEra()).toBe(era);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toContain('add_note');
        const result = await client.callTool({
          name: 'add_note',
          arguments: { title: `stdio-${era}`, body: 'b', idempotency_key: `stdio-key-${era}-${Date.now()}` },
        });
        expect(result.structuredContent).toMatchObject({ note: { title: `stdio-${era}` }, replayed: false });
      } finally {
        await client.close();
      }
    },
  );

  it('serves the v1 SDK client (a legacy host)', async () => {
    const client = new V1Client({ name: 'v1-host', version: '0' });
    await client.connect(
      new V1StdioTransport({
        command: process.execPath,
        args: NODE_ARGS,
        cwd: CWD,
        env: inheritedEnv(serverEnv()),
        stderr: 'pipe',
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('list_notes');
      const result = await client.callTool({
        name: 'add_note',
        arguments: { title: 'v1', body: 'b', idempotency_key: `stdio-v1-${Date.now()}` },
      });
      expect(result.structuredContent).toMatchObject({ note: { title: 'v1' }, replayed: false });
    } finally {
      await client.close();
    }
  });

  it('writes only JSON-RPC to stdout while logging at debug level on stderr, and exits when stdin closes', async () => {
    const server = await startRawSession();
    server.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    server.send({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: {
        name: 'add_note',
        arguments: { title: 'raw', body: 'b', idempotency_key: `raw-key-${Date.now()}` },
      },
    });
    server.send({
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/call',
      params: {
        name: 'add_note',
        arguments: { title: 'explode', body: 'b', idempotency_key: `raw-key-x-${Date.now()}` },
      },
    });
    // Closing stdin right away: the replies still owed are written before the process exits.
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
    const answered = server.stdout.map((l) => (JSON.parse(l) as { id?: unknown }).id);
    expect(answered.sort()).toEqual([1, 2, 3, 4]);
    for (const line of server.stdout) {
      const message = JSON.parse(line) as Record<string, unknown>;
      expect(message.jsonrpc).toBe('2.0');
    }
    const debugLines = server.stderr.filter((l) => l.includes('"level":"debug"'));
    expect(debugLines.length).toBeGreaterThan(0);
    expect(server.stderr.some((l) => l.includes('"level":"error"') && l.includes('simulated crash'))).toBe(
      true,
    );
  });

  it('answers every request that carries an id, however odd, even an oversized one, and keeps serving', async () => {
    const server = await startRawSession();
    const odd: unknown[] = [
      { jsonrpc: '2.0', id: 10, method: 'tools/call', params: null },
      { jsonrpc: '2.0', id: 11, method: 'tools/call', params: [1, 2] },
      { jsonrpc: '2.0', id: 12, method: 'tools/call', params: { name: 42 } },
      {
        jsonrpc: '2.0',
        id: 13,
        method: 'tools/call',
        params: { name: 'add_note', arguments: 'not an object' },
      },
      { jsonrpc: '2.0', id: 14, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } },
      { jsonrpc: '2.0', id: 15, method: 'no/such/method', params: {} },
      { jsonrpc: '2.0', id: 'sixteen', method: 'tools/list', params: { cursor: 12 } },
      { jsonrpc: '2.0', id: 17, method: 'resources/read', params: { uri: 'notes://notes/../../etc/passwd' } },
      {
        jsonrpc: '2.0',
        id: 18,
        method: 'prompts/get',
        params: { name: 'summarize_notes', arguments: { topic: 7 } },
      },
      {
        jsonrpc: '2.0',
        id: 19,
        method: 'tools/call',
        params: {
          name: 'add_note',
          arguments: { title: 'x'.repeat(100_000), body: '', idempotency_key: 'odd-key-19' },
        },
      },
    ];
    for (const message of odd) server.send(message);
    for (const message of odd) {
      const id = (message as { id: unknown }).id;
      const reply = await server.waitForMessage((m) => m.id === id);
      expect(reply.result !== undefined || reply.error !== undefined).toBe(true);
    }
    const ids = server.stdout.map((l) => (JSON.parse(l) as { id?: unknown }).id);
    for (const message of odd)
      expect(ids.filter((i) => i === (message as { id: unknown }).id)).toHaveLength(1);

    // The official SDK clients write "id" last, after the (here oversized) params.
    const big = 'x'.repeat(5 * 1024 * 1024);
    server.send(
      `{"method":"tools/call","params":{"name":"add_note","arguments":{"title":"big","body":"${big}","idempotency_key":"odd-key-20"}},"jsonrpc":"2.0","id":20}`,
    );
    const tooLarge = await server.waitForMessage((m) => m.id === 20);
    expect(tooLarge.error).toMatchObject({ code: -32600, message: expect.stringMatching(/too large/) });
    server.send('[{"jsonrpc":"2.0","id":30,"method":"tools/list"}]');
    const batch = await server.waitForMessage((m) => m.id === 30);
    expect(batch.error).toMatchObject({ code: -32600, message: expect.stringMatching(/batch/) });
    server.send('{"this is": not json');
    await server.waitForMessage((m) => m.id === null && (m.error as { code: number }).code === -32700);
    server.send({ jsonrpc: '2.0', id: 21, method: 'tools/list' });
    const after = await server.waitForMessage((m) => m.id === 21);
    expect((after.result as { tools: unknown[] }).tools.length).toBeGreaterThan(0);
    expect(server.stderr.some((l) => l.includes('exceeded'))).toBe(true);
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
  });

  it('never answers a response, answers a bad id with id null, and names what is wrong with params', async () => {
    const server = await startRawSession();
    server.send({ jsonrpc: '2.0', id: 40, result: 5 }); // a malformed response
    server.send({ jsonrpc: '2.0', id: 41, result: {} }); // a response to nothing the server asked
    server.send({ jsonrpc: '2.0', id: 42, error: { code: 'x' } });
    server.send({ jsonrpc: '2.0', id: { a: 1 }, method: 'tools/list' });
    server.send({ jsonrpc: '2.0', id: 43, method: 'tools/list', params: { _meta: 5 } });
    server.send({ jsonrpc: '2.0', id: 44, method: 'tools/list', params: { cursor: 123 } });
    server.send({
      jsonrpc: '2.0',
      id: 45,
      method: 'tools/call',
      params: { name: 'add_note', arguments: 'x' },
    });
    server.send({ jsonrpc: '2.0', id: 46, method: 'tools/list' });
    const objectId = await server.waitForMessage((m) => m.id === null);
    expect(objectId.error).toMatchObject({ code: -32600, message: expect.stringMatching(/"id" must be/) });
    const meta = await server.waitForMessage((m) => m.id === 43);
    expect(meta.error).toEqual({
      code: -32602,
      message: 'Invalid params for tools/list: params._meta: expected an object, received number.',
    });
    const cursor = await server.waitForMessage((m) => m.id === 44);
    expect(cursor.error).toEqual({
      code: -32602,
      message: 'Invalid params for tools/list: params.cursor: expected string, received number.',
    });
    const args = await server.waitForMessage((m) => m.id === 45);
    expect(args.error).toMatchObject({ code: -32602, message: expect.stringMatching(/params\.arguments: /) });
    await server.waitForMessage((m) => m.id === 46 && m.result !== undefined);
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
    const ids = server.stdout.map((l) => (JSON.parse(l) as { id?: unknown }).id);
    expect(ids.filter((id) => id === 40 || id === 41 || id === 42)).toEqual([]);
    expect(ids.filter((id) => id === null)).toHaveLength(1);
  });

  it('survives an oversized line whose id is not valid JSON, answering it with id null', async () => {
    const server = await startRawSession();
    const big = 'x'.repeat(5 * 1024 * 1024);
    for (const id of ['"\\x"', '0123']) {
      server.send(
        `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"add_note","arguments":{"body":"${big}"}}}`,
      );
    }
    server.send({ jsonrpc: '2.0', id: 50, method: 'tools/list' });
    await server.waitForMessage((m) => m.id === 50 && m.result !== undefined, 30_000);
    const tooLarge = server.stdout
      .map((l) => JSON.parse(l) as { id?: unknown; error?: { code: number; message: string } })
      .filter((m) => m.id === null);
    expect(tooLarge).toHaveLength(2);
    for (const reply of tooLarge)
      expect(reply.error).toMatchObject({ code: -32600, message: expect.stringMatching(/too large/) });
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
  });

  // The era of a stdio connection is fixed by its first request (server/stdio-era.ts, README "Architecture").
  const envelope = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '0' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };

  it('keeps a connection opened with server/discover in 2026-07-28: a request without _meta is refused, not served as 2025-11-25', async () => {
    const server = spawnServerProcess(process.execPath, NODE_ARGS, { cwd: CWD, env: serverEnv() });
    server.send({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: envelope } });
    server.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    server.send({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: envelope } });
    server.send({ jsonrpc: '2.0', id: 4, method: 'initialize', params: initialize });
    const discovered = await server.waitForMessage((m) => m.id === 1);
    expect((discovered.result as { supportedVersions: string[] }).supportedVersions).toContain('2026-07-28');
    const bare = await server.waitForMessage((m) => m.id === 2);
    expect(bare.error).toMatchObject({
      code: -32602,
      message: expect.stringMatching(/missing the _meta envelope/),
    });
    const listed = await server.waitForMessage((m) => m.id === 3);
    expect(listed.result).toMatchObject({ resultType: 'complete', tools: expect.any(Array) }); // a 2026-07-28 result
    const late = await server.waitForMessage((m) => m.id === 4);
    expect(late.error).toMatchObject({ code: -32022 });
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
    expect(server.stdout).toHaveLength(4);
  });

  it('lets a client fall back from server/discover to initialize, and then refuses 2026-07-28 requests on that connection', async () => {
    const server = spawnServerProcess(process.execPath, NODE_ARGS, { cwd: CWD, env: serverEnv() });
    server.send({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: envelope } });
    server.send({ jsonrpc: '2.0', id: 2, method: 'initialize', params: initialize });
    server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    server.send({ jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: envelope } });
    server.send({ jsonrpc: '2.0', id: 4, method: 'tools/list' });
    const initialized = await server.waitForMessage((m) => m.id === 2);
    expect((initialized.result as { protocolVersion: string }).protocolVersion).toBe('2025-11-25');
    const claimed = await server.waitForMessage((m) => m.id === 3);
    expect(claimed.error).toMatchObject({ code: -32022, message: expect.stringMatching(/2025-11-25 era/) });
    const listed = await server.waitForMessage((m) => m.id === 4);
    expect((listed.result as { tools: unknown[] }).tools.length).toBeGreaterThan(0);
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
    expect(server.stdout).toHaveLength(4);
  });

  it('with --seed-demo, answers the handshake and tools/list before loading the demo data, and loads it before the first call', async () => {
    const server = await startRawSession(serverEnv(), ['--seed-demo']);
    server.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    await server.waitForMessage((m) => m.id === 2);
    // Nothing has used the database yet, so the seed has not even started.
    expect(server.stderr.filter((l) => /demo data/.test(l))).toEqual([]);
    server.send({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'list_notes', arguments: {} },
    });
    const listed = await server.waitForMessage((m) => m.id === 3);
    const notes = (listed.result as { structuredContent: { notes: Array<{ title: string }> } })
      .structuredContent.notes;
    expect(notes.map((n) => n.title)).toContain('demo');
    const order = server.stderr.filter((l) => /loading demo data|demo data ready/.test(l));
    expect(order.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'loading demo data',
      'demo data ready (loaded once; later starts leave existing data alone)',
    ]);
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
  });

  it('drains an in-flight call on SIGTERM before exiting', async () => {
    const server = await startRawSession();
    server.send({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'sleep', arguments: { ms: 1500 } },
    });
    await server.waitForStderr(/tool call started/, 10_000);
    server.child.kill('SIGTERM');
    const reply = await server.waitForMessage((m) => m.id === 2, 10_000);
    expect(
      (reply.result as { structuredContent: { slept_ms: number } }).structuredContent.slept_ms,
    ).toBeGreaterThanOrEqual(1400);
    expect(await server.exited).toBe(0);
  });

  it('resumes a phased call killed between its steps from the recorded step, through the tool wrapper', async () => {
    const env = serverEnv({ IDEMPOTENCY_LEASE_MS: '1000' });
    const call = {
      name: 'publish_note',
      arguments: { title: 'resumable', idempotency_key: `phased-${Date.now()}` },
    };
    const crashing = await startRawSession({ ...env, NOTES_CRASH_AFTER_STEP: 'draft' });
    crashing.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: call });
    expect(await crashing.exited).toBeNull(); // killed by SIGKILL, no reply
    await new Promise((r) => setTimeout(r, 1_200)); // let the dead holder's lease lapse

    const retry = await startRawSession(env);
    retry.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: call });
    const reply = await retry.waitForMessage((m) => m.id === 2);
    const data = (
      reply.result as { structuredContent: { draft_pid: number; publish_pid: number; replayed: boolean } }
    ).structuredContent;
    expect(data.replayed).toBe(false);
    expect(data.draft_pid).toBe(crashing.child.pid); // the recorded step was not run again
    expect(data.publish_pid).toBe(retry.child.pid);
    retry.send({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'count_effects', arguments: {} },
    });
    const counted = await retry.waitForMessage((m) => m.id === 3);
    expect(
      (counted.result as { structuredContent: { steps: Record<string, number> } }).structuredContent.steps,
    ).toEqual({
      draft: 1,
      publish: 1,
    });
    retry.child.stdin.end();
    expect(await retry.exited).toBe(0);
  });
});
