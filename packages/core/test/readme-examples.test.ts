// The README quotes files under examples/, which type-check and run with the core's tests; each
// quote must be the file as it is, so the documentation cannot drift from code that works.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const CORE = new URL('../', import.meta.url);
const README = readFileSync(new URL('README.md', CORE), 'utf8');
const QUOTE = /^\[`(examples\/[^`]+)`\]\(\1\):\n\n```ts\n([\s\S]*?)```$/gm;

it('quotes each example file exactly as it is', () => {
  const quotes = [...README.matchAll(QUOTE)];
  expect(quotes.length).toBeGreaterThanOrEqual(8);
  for (const [, path, quoted] of quotes) {
    expect(quoted, `${path} as quoted in README.md`).toBe(readFileSync(new URL(path!, CORE), 'utf8'));
  }
});
