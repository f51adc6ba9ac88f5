import {
  CLIENT_CAPABILITIES_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import { INVALID_PARAMS } from './request-params.js';

const UNSUPPORTED_PROTOCOL_VERSION = -32022;

export interface Refusal {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

/**
 * Keeps one stdio connection in one protocol era. The first request fixes it: `initialize` (or any
 * request without the 2026-07-28 `_meta` envelope) opens a 2025-11-25 connection, a request with
 * the envelope a 2026-07-28 one. The SDK alone lets two mixes through badly: after
 * `server/discover` a request without the envelope silently re-opens the connection in the legacy
 * era, and on a legacy connection a request with the envelope is dropped without any reply.
 */
export class StdioEraGate {
  private era: 'opening' | 'discovered' | 'modern' | 'legacy' = 'opening';

  /** The error to answer `request` with instead of serving it, or undefined to serve it. */
  screen(request: { method: string; params?: unknown }): Refusal | undefined {
    const claimed = claimsModern(request.params);
    switch (this.era) {
      case 'opening':
        if (!claimed) this.era = 'legacy';
        else this.era = request.method === 'server/discover' ? 'discovered' : 'modern';
        return undefined;
      case 'discovered':
        // The spec's version negotiation: a client that discovered the server may still pick 2025-11-25.
        if (request.method === 'initialize' && !claimed) {
          this.era = 'legacy';
          return undefined;
        }
        if (claimed) {
          if (request.method !== 'server/discover') this.era = 'modern';
          return undefined;
        }
        return {
          code: INVALID_PARAMS,
          message: `Request is missing the _meta envelope (${PROTOCOL_VERSION_META_KEY}, ${CLIENT_CAPABILITIES_META_KEY}) that this connection, opened with server/discover for protocol 2026-07-28, requires on every request. To use 2025-11-25 instead, send initialize first.`,
        };
      case 'legacy':
        if (!claimed) return undefined;
        return {
          code: UNSUPPORTED_PROTOCOL_VERSION,
          message:
            'Unsupported protocol version on this connection: it was opened in the 2025-11-25 era (initialize), so requests must not carry the 2026-07-28 _meta envelope. Start a new connection to use 2026-07-28.',
          data: { supported: [...SUPPORTED_PROTOCOL_VERSIONS], requested: claimVersion(request.params) },
        };
      case 'modern':
        // The SDK itself refuses a request without the envelope, and a legacy initialize, here.
        return undefined;
    }
  }
}

function metaOf(params: unknown): Record<string, unknown> | undefined {
  const meta = (params as { _meta?: unknown } | undefined)?._meta;
  return meta && typeof meta === 'object' && !Array.isArray(meta)
    ? (meta as Record<string, unknown>)
    : undefined;
}

function claimsModern(params: unknown): boolean {
  const meta = metaOf(params);
  return meta !== undefined && PROTOCOL_VERSION_META_KEY in meta;
}

function claimVersion(params: unknown): unknown {
  return metaOf(params)?.[PROTOCOL_VERSION_META_KEY];
}
