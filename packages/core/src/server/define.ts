import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Database, Queryable } from '../db/database.js';
import type { CursorCodec } from '../pagination/cursor.js';

/** Who is calling: the JWT subject over HTTP, the operator over stdio. */
export interface Principal {
  id: string;
  /** The token's scopes; `*` (every scope) for the operator, for tokens only if the operator allows it. */
  scopes: readonly string[];
}

/**
 * What a tool changes:
 * - 'none': read-only; runs outside any transaction.
 * - 'transactional': local effects; the idempotency claim, the handler and the audit row commit together.
 * - 'phased': external effects; the handler records recovery points with `ctx.phase.step()`.
 */
export type Effects = 'none' | 'transactional' | 'phased';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** Recovery points of a phased call; a retry after a crash resumes after the last recorded step. */
export interface Phase {
  /** Stable token for the remote API's own deduplication (EC2 ClientToken), at most 64 chars. */
  readonly clientToken: string;
  /** Runs `fn` once per (call, name); a resumed call gets the recorded result without running it again. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** Everything a handler may use. Handlers never see the transport or the SDK. */
export interface ToolContext<Deps = unknown> {
  /** App dependencies given to the server factory (config, stores, clients). */
  deps: Deps;
  /** The database. A 'transactional' tool uses `tx` instead: there `db` refuses every query. */
  db: Database;
  /** The call's transaction for 'transactional' tools; the database itself otherwise. */
  tx: Queryable;
  log: Logger;
  principal: Principal;
  signal: AbortSignal;
  era: 'modern' | 'legacy';
  /** Correlation id of this call, also in every log line. */
  requestId: string;
  /** Signed cursors bound to a query (see pagination/cursor). */
  cursors: CursorCodec;
  /** Sends a progress notification when the client asked for progress; otherwise does nothing. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /**
   * Asks the person to confirm through elicitation. Resolves when they accept; throws a ToolError
   * (`confirmation_required`, or `permission_denied` when they decline) otherwise.
   */
  confirm(message: string): Promise<void>;
  /** Present for 'phased' tools only. */
  phase: Phase | undefined;
}

export interface ToolOutput<O> {
  /** Matches the tool's output schema; becomes `structuredContent`. */
  data: O;
  /** A short human-readable rendering for the model and the person; not a JSON dump. */
  text: string;
}

export interface ToolDefinition<
  I extends z.ZodObject = z.ZodObject,
  O extends z.ZodObject = z.ZodObject,
  Deps = unknown,
> {
  name: string;
  title?: string;
  /** Written for the model: what, when, what not, limits, units. */
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  effects: Effects;
  /**
   * Scopes a bearer token must carry (all of them). Over HTTP a token without them gets 403
   * `insufficient_scope`; stdio runs as the operator, who holds every scope.
   */
  scopes?: readonly string[];
  /** Per-call timeout; defaults to the server's. */
  timeoutMs?: number;
  handler(input: z.output<I>, ctx: ToolContext<Deps>): Promise<ToolOutput<z.input<O>>>;
}

/** Declares one tool; the core wrapper supplies validation, logging, errors, idempotency and audit. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject, Deps = unknown>(
  definition: ToolDefinition<I, O, Deps>,
): ToolDefinition<I, O, Deps> {
  return definition;
}

export interface ResourceContext<Deps = unknown> {
  deps: Deps;
  db: Database;
  log: Logger;
  principal: Principal;
  signal: AbortSignal;
}

export interface ResourceContents {
  text: string;
  mimeType?: string;
}

export interface ResourceDefinition<Deps = unknown> {
  name: string;
  title?: string;
  description: string;
  /** A fixed URI (`billing://plans`) or an RFC 6570 template (`billing://customers/{customer_id}`). */
  uri: string;
  mimeType: string;
  /** Scopes a bearer token must carry to list or read it, as for tools. */
  scopes?: readonly string[];
  /** Lists concrete URIs for a template, bounded; omit for fixed URIs. */
  list?(ctx: ResourceContext<Deps>): Promise<{ uri: string; name: string }[]>;
  read(params: Record<string, string>, ctx: ResourceContext<Deps>): Promise<ResourceContents>;
}

/** Declares one resource (fixed URI or template). */
export function defineResource<Deps = unknown>(
  definition: ResourceDefinition<Deps>,
): ResourceDefinition<Deps> {
  return definition;
}

export interface PromptDefinition<A extends z.ZodObject = z.ZodObject> {
  name: string;
  title?: string;
  description: string;
  args: A;
  /** Scopes a bearer token must carry to get it, as for tools. */
  scopes?: readonly string[];
  /** Returns the user-role text that starts the conversation. */
  render(args: z.output<A>): string;
}

/** Declares one prompt. */
export function definePrompt<A extends z.ZodObject>(definition: PromptDefinition<A>): PromptDefinition<A> {
  return definition;
}
