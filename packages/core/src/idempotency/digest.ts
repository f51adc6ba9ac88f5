import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The argument that names the operation rather than describing it, so it stays out of the digest. */
const KEY_FIELD = 'idempotency_key';

/** SHA-256 (hex) of the canonical JSON (RFC 8785) of a call's arguments, without `idempotency_key`. */
export function argsDigest(args: Record<string, unknown>): string {
  const { [KEY_FIELD]: _key, ...rest } = args;
  // canonicalize returns undefined only for values JSON cannot represent; a plain object always
  // serialises (or throws on NaN, Infinity, BigInt, cycles, which parsed tool input never holds).
  const canonical = canonicalize(rest) as string;
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/**
 * Deterministic token for a remote API's own deduplication (EC2 ClientToken: at most 64 ASCII
 * characters): base64url of SHA-256, 43 characters.
 */
export function clientToken(principal: string, tool: string, key: string): string {
  // A JSON array keeps the three parts unambiguous: no separator can be forged inside a part.
  const material = JSON.stringify(['bounded.client-token.v1', principal, tool, key]);
  return createHash('sha256').update(material, 'utf8').digest('base64url');
}
