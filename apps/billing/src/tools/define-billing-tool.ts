import { defineTool, type ToolDefinition } from '@bounded/core';
import type { z } from 'zod';
import type { BillingDeps } from '../config.js';

/** `defineTool` with the billing app's dependencies, so handlers see `ctx.deps` typed. */
export function defineBillingTool<I extends z.ZodObject, O extends z.ZodObject>(
  definition: ToolDefinition<I, O, BillingDeps>,
): ToolDefinition<I, O, BillingDeps> {
  return defineTool(definition);
}
