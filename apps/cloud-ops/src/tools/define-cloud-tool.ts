import { defineTool, type ToolDefinition } from '@bounded/core';
import type { z } from 'zod';
import type { CloudOpsDeps } from '../config.js';

/** `defineTool` with the cloud-ops app's dependencies, so handlers see `ctx.deps` typed. */
export function defineCloudTool<I extends z.ZodObject, O extends z.ZodObject>(
  definition: ToolDefinition<I, O, CloudOpsDeps>,
): ToolDefinition<I, O, CloudOpsDeps> {
  return defineTool(definition);
}
