import { randomBytes } from 'node:crypto';

/** A new id with a readable prefix (`env_…`, `op_…`); 64 random bits, hex. */
export function newId(prefix: 'env' | 'op'): string {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

/** The shape newId produces, for validating ids a caller sends. */
export const ID_PATTERN = { env: /^env_[0-9a-f]{16}$/, op: /^op_[0-9a-f]{16}$/ } as const;
