import { ToolError } from '@bounded/core';

/** SQLSTATE and constraint name of a driver error, looking through wrappers that keep a cause. */
export function sqlErrorOf(error: unknown): { code: string | undefined; constraint: string | undefined } {
  for (let current = error, depth = 0; current instanceof Object && depth < 5; depth += 1) {
    const { code, constraint } = current as { code?: unknown; constraint?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return { code, constraint: typeof constraint === 'string' ? constraint : undefined };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return { code: undefined, constraint: undefined };
}

// The app checks these first under row locks; the mapping covers a writer that got past them.
const KNOWN: Record<string, () => ToolError> = {
  payments_refunds_within_captured: () =>
    new ToolError('precondition_failed', 'The refund would exceed what the payment captured.', {
      hint: 'Refunds on one payment never add up to more than its amount; check the payment with get_customer_billing_summary.',
    }),
  accounts_customer_balance_not_negative: () =>
    new ToolError('precondition_failed', 'The change would leave a customer balance below zero.', {
      hint: 'Read the customer summary again; another change may have used the credit first.',
    }),
  invoices_amount_due_not_negative: () =>
    new ToolError('precondition_failed', "The change would take the invoice's amount due below zero.", {
      hint: 'Read the invoice again; another payment or credit may have settled it first.',
    }),
};

/** Runs `work`, turning a violated business constraint into the ToolError a model can act on. */
export async function withConstraintErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const { code, constraint } = sqlErrorOf(error);
    const known = code === '23514' && constraint !== undefined ? KNOWN[constraint] : undefined;
    if (known) throw known();
    throw error;
  }
}
