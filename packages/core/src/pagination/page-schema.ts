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
      `Maximum number of items to return, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}). A page can hold fewer when items are large; see truncated.`,
    ),
  cursor: z
    .string()
    .max(MAX_CURSOR_CHARS)
    .optional()
    .describe(
      'Opaque token from next_cursor of a previous call, to get the next page. Pass it back verbatim, with the same filters as that call. Omit it for the first page. Cursors expire after a while; if one is refused, call again without it.',
    ),
};

/** Output fields of a paged tool; spread into the tool's output `z.object({...})`. */
export const pageOutput = {
  next_cursor: z
    .string()
    .nullable()
    .describe(
      'Pass this as cursor, verbatim and with the same filters, to get the items after this page. null when there are no more items.',
    ),
  truncated: z
    .boolean()
    .describe(
      'true when this page was cut short to fit the response size budget; next_cursor then continues right after the last item returned, so nothing is skipped.',
    ),
};
