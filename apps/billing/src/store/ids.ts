import { randomBytes } from 'node:crypto';

export type IdPrefix = 'cus' | 'sub' | 'inv' | 'pay' | 're' | 'crd' | 'jtx';

// Crockford base32, lower case: no i, l, o, u, so ids read back unambiguously over the phone.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A readable random id such as `inv_4k9x2m7q1d3f8h6t` (80 random bits). */
export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(16);
  let body = '';
  for (const byte of bytes) body += ALPHABET[byte & 31];
  return `${prefix}_${body}`;
}
