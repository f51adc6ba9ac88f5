import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DEFAULT_PAGE_SIZE,
  DEFAULT_TEXT_BUDGET_CHARS,
  MAX_PAGE_SIZE,
  fitToBudget,
  truncateText,
} from '../src/pagination/budget.js';
import { pageInput, pageOutput } from '../src/pagination/page-schema.js';

const jsonSize = (item: unknown) => JSON.stringify(item).length;

describe('fitToBudget', () => {
  const items = Array.from({ length: 50 }, (_, i) => ({
    id: `item_${String(i).padStart(3, '0')}`,
    note: 'x'.repeat(80),
  }));

  it('cuts a list larger than the budget to an in-order prefix and says so', () => {
    const maxChars = 1000;
    const result = fitToBudget(items, { maxChars });
    expect(result.truncated).toBe(true);
    expect(result.items.length).toBeGreaterThan(0);
    expect(result.items.length).toBeLessThan(items.length);
    expect(result.items).toEqual(items.slice(0, result.items.length));
    const used = result.items.reduce((sum, item) => sum + jsonSize(item), 0);
    expect(used).toBeLessThanOrEqual(maxChars);
    // Maximal: one more item would not have fitted.
    expect(used + jsonSize(items[result.items.length])).toBeGreaterThan(maxChars);
  });

  it('returns a list that fits untouched', () => {
    const result = fitToBudget(items.slice(0, 3), { maxChars: 10_000 });
    expect(result).toEqual({ items: items.slice(0, 3), truncated: false });
  });

  it('keeps the first item even when it alone is over budget', () => {
    expect(fitToBudget(items, { maxChars: 10 })).toEqual({ items: [items[0]], truncated: true });
    expect(fitToBudget([items[0]], { maxChars: 10 })).toEqual({ items: [items[0]], truncated: false });
  });

  it('returns an empty list as it is', () => {
    expect(fitToBudget([], { maxChars: 0 })).toEqual({ items: [], truncated: false });
  });

  it('uses the size function it is given', () => {
    const result = fitToBudget(['a', 'b', 'c', 'd'], { maxChars: 25, size: () => 10 });
    expect(result).toEqual({ items: ['a', 'b'], truncated: true });
  });

  it('refuses a negative or NaN budget', () => {
    expect(() => fitToBudget(items, { maxChars: -1 })).toThrow(/maxChars/);
    expect(() => fitToBudget(items, { maxChars: Number.NaN })).toThrow(/maxChars/);
  });

  it('always returns the longest in-order prefix that fits, and at least one item', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 50 }), { maxLength: 40 }),
        fc.nat({ max: 400 }),
        (sizes, maxChars) => {
          const list = sizes.map((size, index) => ({ index, size }));
          const { items: kept, truncated } = fitToBudget(list, { maxChars, size: (item) => item.size });
          expect(kept).toEqual(list.slice(0, kept.length));
          expect(truncated).toBe(kept.length < list.length);
          if (list.length > 0) expect(kept.length).toBeGreaterThanOrEqual(1);
          const used = kept.reduce((sum, item) => sum + item.size, 0);
          if (kept.length > 1) expect(used).toBeLessThanOrEqual(maxChars);
          const next = list[kept.length];
          if (next !== undefined && kept.length > 0) expect(used + next.size).toBeGreaterThan(maxChars);
        },
      ),
    );
  });
});

describe('truncateText', () => {
  const MARKER = /\n… \[truncated: (\d+) more characters\]$/;
  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  it('leaves text within the budget alone', () => {
    expect(truncateText('short', 100)).toEqual({ text: 'short', truncated: false });
    expect(truncateText('x'.repeat(100), 100)).toEqual({ text: 'x'.repeat(100), truncated: false });
  });

  it('cuts on a line boundary and says how much is missing', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}: ${'word '.repeat(6).trim()}`);
    const text = lines.join('\n');
    const { text: cut, truncated } = truncateText(text, 300);
    expect(truncated).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(300);
    const match = MARKER.exec(cut);
    expect(match).not.toBeNull();
    const kept = cut.slice(0, match?.index);
    expect(lines).toContain(kept.split('\n').at(-1)); // the last kept line is whole
    expect(text.startsWith(kept)).toBe(true);
    expect(Number(match?.[1])).toBe(text.length - kept.length);
  });

  it('cuts on a word boundary when there is no line break near the limit', () => {
    const text =
      'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau '.repeat(
        5,
      );
    const { text: cut } = truncateText(text, 120);
    const kept = cut.replace(MARKER, '');
    expect(cut.length).toBeLessThanOrEqual(120);
    expect(text.startsWith(kept)).toBe(true);
    expect(text[kept.length]).toBe(' ');
  });

  it('cuts hard inside text with no boundaries, without splitting a surrogate pair', () => {
    const text = '😀'.repeat(100);
    for (const maxChars of [60, 61, 62, 63]) {
      const { text: cut, truncated } = truncateText(text, maxChars);
      expect(truncated).toBe(true);
      expect(cut.length).toBeLessThanOrEqual(maxChars);
      const kept = cut.replace(MARKER, '');
      expect(kept).not.toMatch(LONE_SURROGATE);
      expect(kept.length).toBeGreaterThan(0);
    }
  });

  it('keeps a prefix, stays within budget and counts the missing characters exactly', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', 'é'), maxLength: 400 }),
        fc.integer({ min: 50, max: 300 }),
        (text, maxChars) => {
          const result = truncateText(text, maxChars);
          expect(result.truncated).toBe(text.length > maxChars);
          if (!result.truncated) {
            expect(result.text).toBe(text);
            return;
          }
          expect(result.text.length).toBeLessThanOrEqual(maxChars);
          const match = MARKER.exec(result.text);
          expect(match).not.toBeNull();
          const kept = result.text.slice(0, match?.index);
          expect(text.startsWith(kept)).toBe(true);
          expect(Number(match?.[1])).toBe(text.length - kept.length);
        },
      ),
    );
  });

  it('still marks the cut when the budget is smaller than the marker', () => {
    const { text, truncated } = truncateText('a long sentence that cannot fit', 5);
    expect(truncated).toBe(true);
    expect(text).toMatch(MARKER);
  });
});

describe('page size constants and schema fragments', () => {
  const input = z.object({ ...pageInput });
  const output = z.object({ ...pageOutput });

  it('exports the documented defaults', () => {
    expect([DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, DEFAULT_TEXT_BUDGET_CHARS]).toEqual([20, 100, 16_000]);
  });

  it('defaults limit to 20 and accepts 1..100 only', () => {
    expect(input.parse({})).toEqual({ limit: 20 });
    expect(input.parse({ limit: 100, cursor: 'abc' })).toEqual({ limit: 100, cursor: 'abc' });
    for (const limit of [0, 101, 2.5, '10']) expect(input.safeParse({ limit }).success).toBe(false);
  });

  it('refuses cursors longer than 2048 characters', () => {
    expect(input.safeParse({ cursor: 'a'.repeat(2048) }).success).toBe(true);
    expect(input.safeParse({ cursor: 'a'.repeat(2049) }).success).toBe(false);
  });

  it('describes every field for the model', () => {
    const schema = z.toJSONSchema(z.object({ ...pageInput, ...pageOutput }), { io: 'input' }) as {
      properties: Record<string, { description?: string }>;
    };
    expect(schema.properties.cursor?.description).toMatch(/verbatim/);
    expect(schema.properties.cursor?.description).toMatch(/same filters/);
    expect(schema.properties.next_cursor?.description).toMatch(/same filters/);
    expect(schema.properties.truncated?.description).toMatch(/size budget/);
    expect(schema.properties.truncated?.description).toMatch(/after the last item, so nothing is skipped/);
    expect(schema.properties.limit?.description).toMatch(/100/);
  });

  it('accepts a null next_cursor on the last page', () => {
    expect(output.parse({ next_cursor: null, truncated: false })).toEqual({
      next_cursor: null,
      truncated: false,
    });
    expect(output.safeParse({ truncated: false }).success).toBe(false);
  });
});
