import { randomUUID } from 'node:crypto';
import {
  isInitializeRequest,
  WebStandardStreamableHTTPServerTransport,
  type AuthInfo,
  type McpHandlerRequestOptions,
  type McpServer,
  type McpServerFactory,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { jsonBody } from './request-params.js';

/** What serves /mcp: the SDK's handler, or that handler with legacy sessions in front of it. */
export interface McpFetchHandler {
  fetch(request: Request, options?: McpHandlerRequestOptions): Promise<Response>;
  close(): Promise<void>;
}

export interface LegacySessionOptions {
  /** A session unused this long is closed (its client must initialize again). */
  idleMs: number;
  /** At most this many sessions at once; the least recently used is closed to make room. */
  maxSessions: number;
  log: Logger;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  /** Who opened it: only requests by the same principal may use it. */
  owner: string;
  lastUsed: number;
}

/**
 * Serves 2025-11-25 clients with a session each (`Mcp-Session-Id`), so the server can send them
 * requests mid-call: that is how such a client is asked to confirm (elicitation), which a
 * stateless server, never seeing `initialize`, cannot do. Sessions live in this process's
 * memory, so with more than one replica a load balancer must route by `Mcp-Session-Id`
 * (sticky sessions). Everything else (2026-07-28, and legacy requests without a session) goes to
 * the stateless handler.
 */
export function withLegacySessions(
  factory: McpServerFactory,
  stateless: McpFetchHandler,
  options: LegacySessionOptions,
): McpFetchHandler {
  const sessions = new Map<string, Session>();
  const closeSession = (id: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    void session.transport.close().catch(() => {});
    void session.server.close().catch(() => {});
  };
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [id, session] of sessions) if (now - session.lastUsed > options.idleMs) closeSession(id);
    },
    Math.min(options.idleMs, 60_000),
  );
  sweep.unref();

  async function open(request: Request, authInfo: AuthInfo | undefined, body: unknown): Promise<Response> {
    if (sessions.size >= options.maxSessions) {
      const oldest = [...sessions.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0];
      if (oldest) closeSession(oldest[0]);
    }
    const server = (await factory({
      era: 'legacy',
      ...(authInfo ? { authInfo } : {}),
      requestInfo: request,
    })) as McpServer;
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, owner: ownerOf(authInfo), lastUsed: Date.now() });
        options.log.debug({ sessions: sessions.size }, 'legacy session opened');
      },
      onsessionclosed: (id) => closeSession(id),
    });
    await server.connect(transport);
    return transport.handleRequest(request, { ...(authInfo ? { authInfo } : {}), parsedBody: body });
  }

  return {
    async fetch(request, requestOptions) {
      const authInfo = requestOptions?.authInfo;
      const id = request.headers.get('mcp-session-id');
      if (id) {
        const session = sessions.get(id);
        // Another principal's session id is answered as unknown: a session is not a credential.
        if (!session || session.owner !== ownerOf(authInfo)) return sessionNotFound();
        session.lastUsed = Date.now();
        return session.transport.handleRequest(request, authInfo ? { authInfo } : undefined);
      }
      const body = await jsonBody(request);
      if (isInitializeRequest(body)) return open(request, authInfo, body);
      return stateless.fetch(request, requestOptions);
    },
    async close() {
      clearInterval(sweep);
      for (const id of [...sessions.keys()]) closeSession(id);
      await stateless.close();
    },
  };
}

function ownerOf(authInfo: AuthInfo | undefined): string {
  const subject = authInfo?.extra?.['sub'];
  return typeof subject === 'string' ? subject : (authInfo?.clientId ?? '');
}

// The Streamable HTTP answer to an unknown session: 404 tells the client to initialize again.
function sessionNotFound(): Response {
  return Response.json(
    { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found; initialize again.' }, id: null },
    { status: 404 },
  );
}
