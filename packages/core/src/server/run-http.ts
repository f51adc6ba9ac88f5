import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  hostHeaderValidation,
  localhostHostValidation,
  localhostOriginValidation,
  originValidation,
  toNodeHandler,
} from '@modelcontextprotocol/node';
import { createMcpHandler, type AuthInfo, type McpServerFactory } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { AuthError, bearerToken, type BearerVerifier } from './auth.js';
import { IdleWaiters } from './idle-waiters.js';
import { withLegacySessions } from './legacy-sessions.js';
import { screenParams } from './request-params.js';
import type { PromMetrics } from './metrics.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** Hostnames accepted in Host (and Origin) headers; defaults to loopback names. */
  allowedHosts?: string[];
  allowedOrigins?: string[];
  /** Bearer JWT verification; absent means no auth (loopback or explicit opt-out only). */
  verifier?: BearerVerifier;
  /** Audience/resource name used in the WWW-Authenticate challenge. */
  realm: string;
  /**
   * OAuth protected-resource metadata (RFC 9728), served at /.well-known/oauth-protected-resource
   * and pointed to from every 401, so hosts can find where to get a token.
   */
  resourceMetadata?: {
    /**
     * The MCP endpoint's canonical URL (RFC 8707), e.g. `https://billing.example.com/mcp`; by
     * default the URL the client reached: the validated Host header plus X-Forwarded-Proto.
     */
    resource?: string;
    authorizationServers: string[];
    scopes: string[];
  };
  log: Logger;
  metrics: PromMetrics;
  /** When set, /metrics answers only `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /**
   * Serve 2025-11-25 clients with in-memory sessions so the server can ask them to confirm;
   * replicas then need a load balancer that routes by Mcp-Session-Id.
   */
  legacySessions?: { idleMs: number; maxSessions: number };
  /** Resolves when dependencies (the database) answer; /readyz reports it. */
  ready: () => Promise<void>;
}

export interface HttpHandle {
  url: string;
  /** Starts shutting down: /readyz and new MCP requests answer 503, and connections close after their response. */
  stopAccepting(): void;
  /** Resolves true once every request received so far (listen streams aside) has its response written, or false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Serves Streamable HTTP (both eras, stateless) on /mcp with health, readiness and metrics endpoints. */
export async function runHttp(factory: McpServerFactory, options: HttpOptions): Promise<HttpHandle> {
  const { log } = options;
  const stateless = createMcpHandler(factory, {
    onerror: (error) => log.warn({ err: error }, 'http protocol error'),
  });
  const mcp = screenParams(
    options.legacySessions
      ? withLegacySessions(factory, stateless, { ...options.legacySessions, log })
      : stateless,
  );
  const serveMcp = toNodeHandler(mcp, {
    maxRequestBodySize: MAX_BODY_BYTES,
    onerror: (error) => log.warn({ err: error }, 'http transport error'),
  });
  const checkHost = options.allowedHosts
    ? hostHeaderValidation(options.allowedHosts)
    : localhostHostValidation();
  const checkOrigin = options.allowedOrigins
    ? originValidation(options.allowedOrigins)
    : localhostOriginValidation();

  // A call's reply is written after the call itself is done; shutdown waits for the writing too.
  const unanswered = new Set<ServerResponse>();
  const answered = new IdleWaiters(() => unanswered.size === 0);
  let draining = false;
  const server = createServer((req, res) => {
    // A subscriptions/listen stream stays open for as long as the client listens and carries no
    // call: shutdown does not wait for it, and close() ends it. (The SDK refuses a request whose
    // Mcp-Method header differs from its body, so the header names the stream truly.)
    if (String(req.headers['mcp-method']).trim() !== 'subscriptions/listen') {
      unanswered.add(res);
      res.once('close', () => {
        unanswered.delete(res);
        answered.check();
      });
    }
    if (draining) res.setHeader('Connection', 'close');
    void route(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'http request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.end();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (draining && (path === '/readyz' || path === '/mcp')) {
      res.setHeader('Retry-After', '1');
      return json(res, 503, { status: 'shutting down' });
    }
    if (path === '/readyz') {
      try {
        await options.ready();
        return json(res, 200, { status: 'ready' });
      } catch (error) {
        log.warn({ err: error }, 'not ready');
        return json(res, 503, { status: 'unavailable' });
      }
    }
    if (
      (path === '/.well-known/oauth-protected-resource' ||
        path === '/.well-known/oauth-protected-resource/mcp') &&
      options.resourceMetadata
    ) {
      // The document names this server by the Host it was reached at: check it as /mcp does.
      if (!checkHost(req, res)) return;
      const { authorizationServers, scopes } = options.resourceMetadata;
      return json(res, 200, {
        resource: resourceUrl(req, options.resourceMetadata.resource),
        authorization_servers: authorizationServers,
        scopes_supported: scopes,
        bearer_methods_supported: ['header'],
      });
    }
    if (path === '/metrics') {
      if (options.metricsToken && !sameSecret(bearerToken(req.headers.authorization), options.metricsToken)) {
        res.setHeader('WWW-Authenticate', `Bearer realm="${options.realm}-metrics"`);
        return json(res, 401, {
          error: 'unauthorized',
          detail: 'metrics need the METRICS_TOKEN bearer token',
        });
      }
      res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
      res.end(await options.metrics.registry.metrics());
      return;
    }
    if (path !== '/mcp') return json(res, 404, { error: 'not found; the MCP endpoint is /mcp' });
    if (!checkHost(req, res) || !checkOrigin(req, res)) return;
    if (options.verifier) {
      const metadata = options.resourceMetadata
        ? metadataUrl(resourceUrl(req, options.resourceMetadata.resource))
        : undefined;
      try {
        const auth = await options.verifier(req.headers.authorization);
        // Scope challenges (403) built after this point point to the same metadata document.
        (req as IncomingMessage & { auth?: AuthInfo }).auth = metadata
          ? { ...auth, resourceMetadataUrl: metadata }
          : auth;
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        // RFC 6750 §3.1: a request that sent no credentials gets the challenge without an error code.
        const failure =
          error.kind === 'missing' ? '' : `, error="invalid_token", error_description="${error.message}"`;
        res.setHeader(
          'WWW-Authenticate',
          `Bearer realm="${options.realm}"${failure}` + (metadata ? `, resource_metadata="${metadata}"` : ''),
        );
        return json(res, 401, { error: 'unauthorized', detail: error.message });
      }
    }
    await serveMcp(req, res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  let closed: Promise<void> | undefined;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/mcp`;
  log.info({ url }, 'http server listening');
  return {
    url,
    stopAccepting: () => {
      draining = true;
      // Still listening, and kept-alive connections stay open: a request racing the shutdown gets
      // a 503 it can retry instead of a reset connection. Every response from now on closes its
      // connection, so clients move elsewhere.
      for (const res of unanswered) if (!res.headersSent) res.setHeader('Connection', 'close');
    },
    drained: (timeoutMs) => answered.wait(timeoutMs),
    close: async () => {
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await mcp.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

// The MCP endpoint's URL: the configured one, or as the client reached us (the Host header was
// validated before this runs; behind a TLS-terminating proxy, X-Forwarded-Proto says https).
function resourceUrl(req: IncomingMessage, configured: string | undefined): string {
  if (configured) return configured;
  const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  return `${proto}://${req.headers.host ?? 'localhost'}/mcp`;
}

// RFC 9728 §3.1: the well-known path goes between the host and the resource's own path.
function metadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

// Constant-time comparison of digests, so neither the content nor the length leaks through timing.
function sameSecret(given: string | undefined, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given ?? ''), digest(expected));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
