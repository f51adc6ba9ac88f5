import type { AuthInfo } from '@modelcontextprotocol/server';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';

export interface AuthSettings {
  /** Shared secret for HS256 tokens (at least 32 characters). */
  secret?: string;
  /** JWKS endpoint of the issuer, for asymmetric tokens. */
  jwksUrl?: string;
  issuer?: string;
  audience: string;
}

/** Verifies a bearer JWT (signature, expiry, audience, issuer) and returns what the MCP layer needs. */
export type BearerVerifier = (authorization: string | undefined) => Promise<AuthInfo>;

/** Why a request was refused; becomes a 401 with a WWW-Authenticate challenge. */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    message: string,
    /** 'missing': no credentials at all, so the challenge carries no error code (RFC 6750 §3.1). */
    readonly kind: 'missing' | 'invalid_token' = 'invalid_token',
  ) {
    super(message);
  }
}

/** The credentials of an `Authorization: Bearer <token>` header (the scheme is case-insensitive). */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}

/** Builds the bearer-token verifier from settings. */
export async function createBearerVerifier(settings: AuthSettings): Promise<BearerVerifier> {
  // Anyone can publish a JWKS; without the issuer check a token signed by a key of another
  // tenant of the same identity provider would pass.
  if (settings.jwksUrl && !settings.issuer)
    throw new Error('a JWKS URL needs an issuer to check tokens against');
  const { createRemoteJWKSet, errors, jwtVerify } = await import('jose');
  const key: Uint8Array | JWTVerifyGetKey = settings.secret
    ? new TextEncoder().encode(settings.secret)
    : createRemoteJWKSet(new URL(settings.jwksUrl!));
  return async (authorization) => {
    const token = bearerToken(authorization);
    if (!token) throw new AuthError('missing bearer token', 'missing');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, {
        audience: settings.audience,
        algorithms: settings.secret
          ? ['HS256', 'HS384', 'HS512']
          : ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
        // A token without an expiry would be valid forever.
        requiredClaims: ['exp', 'sub'],
        ...(settings.issuer ? { issuer: settings.issuer } : {}),
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new AuthError(`invalid token: ${error.code}`);
      throw error;
    }
    // The subject is the principal that owns idempotency keys and audit rows: a number or an
    // object there would be stringified into someone else's name.
    if (typeof payload.sub !== 'string' || payload.sub === '')
      throw new AuthError('invalid token: no subject');
    return {
      token,
      clientId: typeof payload['client_id'] === 'string' ? payload['client_id'] : payload.sub,
      scopes: scopesOf(payload),
      ...(payload.exp === undefined ? {} : { expiresAt: payload.exp }),
      extra: { sub: payload.sub },
    };
  };
}

function scopesOf(payload: JWTPayload): string[] {
  const scope = payload['scope'];
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  // Some issuers (Azure AD) put scopes in `scp`, as a space-separated string or an array.
  const scp = payload['scp'];
  if (typeof scp === 'string') return scp.split(' ').filter(Boolean);
  return Array.isArray(scp) ? scp.filter((s): s is string => typeof s === 'string') : [];
}
