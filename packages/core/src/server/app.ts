import type { PromptDefinition, ResourceDefinition, ToolDefinition } from './define.js';

/** A whole server: what `runApp`, `createServerFactory` and the testing kit take. */
export interface AppDefinition<Deps = unknown> {
  /** Short name: the migrations scope, the data directory name, the MCP server name. */
  name: string;
  version: string;
  /** Shown to the model at connect time: what the server is for, in a few sentences. */
  instructions?: string;
  // Tool definitions differ in their schema types; the wrapper treats them uniformly.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tools: ToolDefinition<any, any, Deps>[];
  resources?: ResourceDefinition<Deps>[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  prompts?: PromptDefinition<any>[];
}
