import { z } from 'zod';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './budget.js';
import { MAX_CURSOR_CHARS } from './cursor.js';

/** Input fields of a paged tool; spread into the tool's `z.object({...})`. */
export const pageInput = {
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe(
      `Items per page, 1-${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}); a page may hold fewer (see truncated).`,
    ),
  cursor: z
    .string()
    .max(MAX_CURSOR_CHARS)
    .optional()
    .describe(
      'next_cursor of the previous call, verbatim, with the same filters; omit for the first page. Cursors expire: if one is refused, start again without it.',
    ),
};

/** Output fields of a paged tool; spread into the tool's output `z.object({...})`. */
export const pageOutput = {
  next_cursor: z
    .string()
    .nullable()
    .describe('Pass as cursor, with the same filters, for the next page; null when there are no more items.'),
  truncated: z
    .boolean()
    .describe(
      'true if the page was cut to fit the size budget; next_cursor continues after the last item, so nothing is skipped.',
    ),
};
