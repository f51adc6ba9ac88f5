import type { Client } from '@modelcontextprotocol/client';
import { createMcpHandler, type McpServer, type AuthInfo } from '@modelcontextprotocol/server';
import { createServerFactory } from '../server/factory.js';
import { withLegacySessions } from '../server/legacy-sessions.js';
import { screenParams } from '../server/request-params.js';
import type { Runtime } from '../server/runtime.js';
import { importPeer } from './import-peer.js';

/**
 * How the test client connects:
 * - 'modern': 2026-07-28 (server/discover, per-request _meta) over in-process Streamable HTTP;
 * - 'legacy': 2025-11-25 (initialize) over in-process Streamable HTTP, stateless;
 * - 'legacy-session': 2025-11-25 over an in-memory session, so the server can push elicitation;
 * - 'v1': the v1 SDK's Client (a legacy host) over in-process Streamable HTTP.
 */
export type TestEra = 'modern' | 'legacy' | 'legacy-session' | 'v1';

/** What a test person answers when the server asks for confirmation. */
export type ElicitAnswer =
  | { action: 'accept'; content: Record<string, string | number | boolean | string[]> }
  | { action: 'decline' | 'cancel' };

export interface ConnectOptions {
  era: TestEra;
  /** Answers elicitation requests; when absent the client declares no elicitation capability. */
  onElicit?: (message: string) => ElicitAnswer | Promise<ElicitAnswer>;
  /** Pretend the call came through an authenticated HTTP request. */
  authInfo?: AuthInfo;
  /** 'legacy' and 'v1' over HTTP: serve them with sessions (LEGACY_HTTP_SESSIONS), not statelessly. */
  legacySessions?: boolean;
}

/** Per-call options of a test client: progress, cancellation, and the client-side request timeout (default 60 s). */
export interface CallOptions {
  onprogress?: (p: unknown) => void;
  signal?: AbortSignal;
  timeout?: number;
}

/** The calls tests make, the same whichever client sits underneath. */
export interface TestClient {
  era: TestEra;
  /** The negotiated era as the client sees it. */
  protocolEra(): string | undefined;
  // The v1 and v2 clients return structurally equal results; tests read them as plain objects.
  listTools(): Promise<{ tools: Array<Record<string, unknown> & { name: string }> }>;
  callTool(name: string, args: Record<string, unknown>, options?: CallOptions): Promise<ToolCallResult>;
  readResource(uri: string): Promise<{ contents: Array<{ uri: string; text?: string; mimeType?: string }> }>;
  listResources(): Promise<{ resources: Array<{ uri: string; name: string }> }>;
  listResourceTemplates(): Promise<{ resourceTemplates: Array<{ uriTemplate: string; name: string }> }>;
  listPrompts(): Promise<{ prompts: Array<{ name: string }> }>;
  getPrompt(
    name: string,
    args: Record<string, string>,
  ): Promise<{ messages: Array<{ role: string; content: { type: string; text?: string } }> }>;
  close(): Promise<void>;
}

export interface ToolCallResult {
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

const CLIENT_INFO = { name: 'bounded-test', version: '0.0.0' };

/** Connects a real MCP client to a runtime's server factory, in process, in the chosen era. */
export async function connectClient(runtime: Runtime, options: ConnectOptions): Promise<TestClient> {
  // The client SDKs are optional peer dependencies: only tests need them, never a running server.
  const { Client, InMemoryTransport, StreamableHTTPClientTransport } = await importPeer(
    '@modelcontextprotocol/client',
    () => import('@modelcontextprotocol/client'),
  );
  const factory = createServerFactory(runtime);
  const capabilities = options.onElicit ? { elicitation: { form: {} } } : {};
  if (options.era === 'legacy-session') {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const server = factory({
      era: 'legacy',
      ...(options.authInfo ? { authInfo: options.authInfo } : {}),
    }) as McpServer;
    await server.connect(serverSide);
    const client = v2Client(Client, options, capabilities, false);
    await client.connect(clientSide);
    return wrapV2(client, options.era, () => server.close());
  }
  const stateless = createMcpHandler(factory);
  // Wrapped as runHttp wraps it, so in-process clients meet what a deployed server answers.
  const handler = screenParams(
    options.legacySessions
      ? withLegacySessions(factory, stateless, {
          idleMs: 60_000,
          maxSessions: 100,
          log: runtime.log,
        })
      : stateless,
  );
  const fetchInProcess = (url: string | URL, init?: RequestInit) =>
    handler.fetch(new Request(url, init), options.authInfo ? { authInfo: options.authInfo } : undefined);
  const url = new URL('http://in-process.test/mcp');
  if (options.era === 'v1') {
    const [{ Client: V1Client }, { StreamableHTTPClientTransport: V1HttpTransport }] = await importPeer(
      '@modelcontextprotocol/sdk',
      () =>
        Promise.all([
          import('@modelcontextprotocol/sdk/client/index.js'),
          import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
        ]),
    );
    const client = new V1Client(CLIENT_INFO, { capabilities });
    if (options.onElicit) {
      const { ElicitRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
      const onElicit = options.onElicit;
      client.setRequestHandler(ElicitRequestSchema, async (request) =>
        onElicit(String(request.params.message)),
      );
    }
    await client.connect(new V1HttpTransport(url, { fetch: fetchInProcess }));
    return wrap(client, 'v1', {
      protocolEra: () => 'legacy',
      callTool: (name, args, opts) => client.callTool({ name, arguments: args }, undefined, opts ?? {}),
      closeServer: () => handler.close(),
    });
  }
  const client = v2Client(Client, options, capabilities, options.era === 'modern');
  await client.connect(new StreamableHTTPClientTransport(url, { fetch: fetchInProcess }));
  return wrapV2(client, options.era, () => handler.close());
}

function v2Client(
  ClientClass: typeof Client,
  options: ConnectOptions,
  capabilities: Record<string, unknown>,
  modern: boolean,
): Client {
  const client = new ClientClass(CLIENT_INFO, {
    capabilities,
    ...(modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
  });
  const onElicit = options.onElicit;
  if (onElicit) {
    client.setRequestHandler('elicitation/create', async (request) =>
      onElicit(String(request.params.message)),
    );
  }
  return client;
}

function wrapV2(client: Client, era: TestEra, closeServer: () => Promise<void>): TestClient {
  return wrap(client, era, {
    protocolEra: () => client.getProtocolEra(),
    callTool: (name, args, opts) => client.callTool({ name, arguments: args }, opts ?? {}),
    closeServer,
  });
}

/** The methods both SDK clients share with the same shape; callTool differs and is passed in. */
interface SharedClientMethods {
  listTools(): Promise<unknown>;
  readResource(params: { uri: string }): Promise<unknown>;
  listResources(): Promise<unknown>;
  listResourceTemplates(): Promise<unknown>;
  listPrompts(): Promise<unknown>;
  getPrompt(params: { name: string; arguments: Record<string, string> }): Promise<unknown>;
  close(): Promise<void>;
}

function wrap(
  client: SharedClientMethods,
  era: TestEra,
  parts: {
    protocolEra: () => string | undefined;
    callTool: (name: string, args: Record<string, unknown>, opts?: CallOptions) => Promise<unknown>;
    closeServer: () => Promise<void>;
  },
): TestClient {
  // The v1 and v2 clients return structurally equal results; tests read them as plain objects.
  return {
    era,
    protocolEra: parts.protocolEra,
    listTools: () => client.listTools() as never,
    callTool: (name, args, opts) => parts.callTool(name, args, opts) as never,
    readResource: (uri) => client.readResource({ uri }) as never,
    listResources: () => client.listResources() as never,
    listResourceTemplates: () => client.listResourceTemplates() as never,
    listPrompts: () => client.listPrompts() as never,
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }) as never,
    close: async () => {
      await client.close();
      await parts.closeServer();
    },
  };
}
