import type { CallToolResult } from '@modelcontextprotocol/server';
import { describeError, type ToolErrorBody } from '../errors.js';

/** A successful tool result: readable text plus structured data. */
export function successResult(text: string, data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: data };
}

/**
 * A business failure the model reads and acts on: `isError` with the error in text and structure.
 * `replayed` is set for state-changing tools: true when this is a stored outcome of an earlier call.
 */
export function errorResult(body: ToolErrorBody, replayed?: boolean): CallToolResult {
  return {
    content: [
      {
        type: 'text',
        text: `${describeError(body)}${replayed ? ' (Replayed: the stored outcome of an earlier call with this idempotency_key.)' : ''}`,
      },
    ],
    structuredContent: replayed === undefined ? { error: body } : { error: body, replayed },
    isError: true,
  };
}
