/**
 * The path of the first string in `value` holding an unpaired UTF-16 surrogate (text no UTF-8
 * encoding can carry: PostgreSQL and the argument digest both refuse it), or undefined.
 */
export function loneSurrogatePath(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = loneSurrogatePath(value[i], [...path, String(i)]);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = loneSurrogatePath(v, [...path, k]);
      if (found) return found;
    }
  }
  return undefined;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
