import { defineTool, type ToolDefinition } from '@bounded/core';
import type { z } from 'zod';
import type { KnowledgeBaseDeps } from '../config.js';

/** `defineTool` with the knowledge-base dependencies, so handlers see `ctx.deps` typed. */
export function defineKbTool<I extends z.ZodObject, O extends z.ZodObject>(
  definition: ToolDefinition<I, O, KnowledgeBaseDeps>,
): ToolDefinition<I, O, KnowledgeBaseDeps> {
  return defineTool(definition);
}

export const READ_SCOPES = ['kb:read'] as const;
export const WRITE_SCOPES = ['kb:write'] as const;
