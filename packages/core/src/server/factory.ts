import {
  CLIENT_CAPABILITIES_META_KEY,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  ResourceTemplate,
  type McpRequestContext,
  type ScopeChallengeHandler,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import { ToolError } from '../errors.js';
import { auditRefusal } from './audit-refusal.js';
import type { Principal, PromptDefinition, ResourceDefinition, ToolDefinition } from './define.js';
import { missingScopes, principalOf } from './principal.js';
import { runTool } from './run-tool.js';
import type { Runtime } from './runtime.js';
import { prepareSchemas, type PreparedSchemas } from './tool-schema.js';

/** The tools a runtime serves after --read-only and --tools; throws on names that do not exist. */
export function selectTools(runtime: Pick<Runtime, 'app' | 'options'>): ToolDefinition[] {
  const { tools: all } = runtime.app;
  const { readOnly, tools: only } = runtime.options;
  if (only) {
    const unknown = only.filter((name) => !all.some((t) => t.name === name));
    if (unknown.length > 0) {
      throw new Error(
        `Unknown tool(s) in --tools: ${unknown.join(', ')}. Known: ${all.map((t) => t.name).join(', ')}`,
      );
    }
  }
  return all.filter((t) => (!readOnly || t.annotations.readOnlyHint) && (!only || only.includes(t.name)));
}

/** Builds the per-connection (stdio) or per-request (HTTP) server factory for an app. */
export function createServerFactory(runtime: Runtime) {
  for (const tool of runtime.app.tools) checkDeclaration(tool);
  const tools = selectTools(runtime).map((tool) => ({ tool, schemas: prepareSchemas(tool) }));
  return (context: McpRequestContext): McpServer => {
    // A legacy session outlives its first request: each request's own token decides (a step-up
    // token with more scopes counts at once), the session's first token otherwise.
    const principal = (sdk: ServerContext): Principal =>
      principalOf(sdk.http?.authInfo ?? context.authInfo, runtime.options);
    const server = new McpServer(
      { name: runtime.app.name, version: runtime.app.version },
      {
        capabilities: { tools: {}, resources: {}, prompts: {} },
        ...(runtime.app.instructions ? { instructions: runtime.app.instructions } : {}),
      },
    );
    for (const entry of tools) registerTool(server, runtime, entry, principal, context.era);
    for (const resource of runtime.app.resources ?? [])
      registerResource(server, runtime, resource, principal);
    for (const prompt of runtime.app.prompts ?? []) registerPrompt(server, runtime, prompt, principal);
    return server;
  };
}

/** Refuses, at start-up, a tool whose declaration contradicts itself. */
export function checkDeclaration(tool: ToolDefinition): void {
  const problem =
    tool.effects === 'none' && !tool.annotations.readOnlyHint
      ? "effects 'none' but readOnlyHint false"
      : tool.effects !== 'none' && tool.annotations.readOnlyHint
        ? `effects '${tool.effects}' but readOnlyHint true (--read-only would expose it)`
        : tool.effects !== 'none' && !('idempotency_key' in tool.input.shape)
          ? 'changes state but declares no idempotency_key input'
          : undefined;
  if (problem) throw new Error(`Tool ${tool.name}: ${problem}.`);
}

type PrincipalOf = (sdk: ServerContext) => Principal;

/**
 * The HTTP answer to a token without the scopes an operation needs: 403 with
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`, before the request reaches
 * a handler (the SDK asks this for every tools/call, resources/read and prompts/get it serves
 * over HTTP). The challenge names every scope the operation needs, so one step-up suffices.
 */
function scopeChallenge(
  runtime: Runtime,
  required: readonly string[] | undefined,
  what: string,
  onRefused?: (principal: Principal, args: unknown) => Promise<void>,
): ScopeChallengeHandler | undefined {
  if (!required || required.length === 0) return undefined;
  const scopes = required as readonly [string, ...string[]];
  return async ({ request, authInfo }) => {
    // No token means no auth is configured: the operator calls, with every right.
    if (!authInfo) return undefined;
    const principal = principalOf(authInfo, runtime.options);
    const missing = missingScopes(principal, scopes);
    if (missing.length === 0) return undefined;
    runtime.log.info({ principal: principal.id, what, missing }, 'refused: insufficient scope');
    await onRefused?.(principal, (request.params as { arguments?: unknown } | undefined)?.arguments);
    return { scopes, errorDescription: `${what} needs the scope(s) ${scopes.join(' ')}` };
  };
}

/** The protocol error for a missing scope where no HTTP challenge can answer (in-memory sessions). */
function insufficientScope(what: string, missing: string[]): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.InvalidRequest,
    `${what} needs the scope(s) ${missing.join(' ')}; ask the operator for a token carrying them.`,
  );
}

function canElicit(server: McpServer, sdk: ServerContext, era: 'modern' | 'legacy'): boolean {
  const capabilities =
    era === 'modern'
      ? (sdk.mcpReq.envelope as Record<string, { elicitation?: unknown } | undefined> | undefined)?.[
          CLIENT_CAPABILITIES_META_KEY
        ]
      : server.server.getClientCapabilities();
  return capabilities?.elicitation !== undefined;
}

function registerTool(
  server: McpServer,
  runtime: Runtime,
  { tool, schemas }: { tool: ToolDefinition; schemas: PreparedSchemas },
  principal: PrincipalOf,
  era: 'modern' | 'legacy',
): void {
  const auditRefused =
    tool.effects === 'none'
      ? undefined
      : (who: Principal, args: unknown) =>
          auditRefusal(runtime, {
            principal: who.id,
            tool: tool.name,
            args,
            outcome: 'permission_denied',
            requestId: randomUUID(),
          });
  server.registerTool(
    tool.name,
    {
      ...(tool.title ? { title: tool.title } : {}),
      description: tool.description,
      inputSchema: schemas.advertisedInput,
      outputSchema: schemas.advertisedOutput,
      annotations: { ...(tool.title ? { title: tool.title } : {}), ...tool.annotations },
      ...optional(
        'scopeChallenge',
        scopeChallenge(runtime, tool.scopes, `Calling ${tool.name}`, auditRefused),
      ),
    },
    (args, sdk) =>
      runTool({
        tool,
        schemas,
        runtime,
        args,
        sdk,
        principal: principal(sdk),
        era,
        canElicit: canElicit(server, sdk, era),
        // Never saw initialize: a legacy request served statelessly.
        statelessLegacy: era === 'legacy' && server.server.getClientCapabilities() === undefined,
      }),
  );
}

function registerResource(
  server: McpServer,
  runtime: Runtime,
  resource: ResourceDefinition,
  principal: PrincipalOf,
): void {
  const what = `Reading ${resource.name}`;
  const metadata = {
    ...(resource.title ? { title: resource.title } : {}),
    description: resource.description,
    mimeType: resource.mimeType,
    ...optional('scopeChallenge', scopeChallenge(runtime, resource.scopes, what)),
  };
  const contextFor = (sdk: ServerContext) => ({
    deps: runtime.deps,
    db: runtime.db,
    log: runtime.log,
    principal: principal(sdk),
    signal: sdk.mcpReq.signal,
  });
  const read = async (uri: URL, params: Record<string, string>, sdk: ServerContext) => {
    const context = contextFor(sdk);
    const missing = missingScopes(context.principal, resource.scopes);
    if (missing.length > 0) throw insufficientScope(what, missing);
    try {
      const contents = await resource.read(params, context);
      return {
        contents: [{ uri: uri.href, mimeType: contents.mimeType ?? resource.mimeType, text: contents.text }],
      };
    } catch (error) {
      if (error instanceof ToolError && error.code === 'not_found') throw new ResourceNotFoundError(uri.href);
      if (error instanceof ToolError && error.code === 'invalid_argument') {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, error.message);
      }
      runtime.log.error({ err: error, resource: resource.name }, 'resource read failed');
      throw new ProtocolError(ProtocolErrorCode.InternalError, 'Reading the resource failed unexpectedly.');
    }
  };
  if (!resource.uri.includes('{')) {
    server.registerResource(resource.name, resource.uri, metadata, (uri, sdk) => read(uri, {}, sdk));
    return;
  }
  const list = resource.list;
  const template = new ResourceTemplate(resource.uri, {
    list: list
      ? async (sdk) => {
          const context = contextFor(sdk);
          // Listing names what exists: without the scope to read them, the list is empty.
          if (missingScopes(context.principal, resource.scopes).length > 0) return { resources: [] };
          try {
            const found = await list(context);
            return { resources: found.map((r) => ({ ...r, mimeType: resource.mimeType })) };
          } catch (error) {
            runtime.log.error({ err: error, resource: resource.name }, 'resource listing failed');
            throw new ProtocolError(
              ProtocolErrorCode.InternalError,
              'Listing the resources failed unexpectedly.',
            );
          }
        }
      : undefined,
  });
  server.registerResource(resource.name, template, metadata, (uri, variables, sdk) =>
    read(uri, Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])), sdk),
  );
}

function registerPrompt(
  server: McpServer,
  runtime: Runtime,
  prompt: PromptDefinition,
  principal: PrincipalOf,
): void {
  const what = `Getting prompt ${prompt.name}`;
  server.registerPrompt(
    prompt.name,
    {
      ...(prompt.title ? { title: prompt.title } : {}),
      description: prompt.description,
      argsSchema: prompt.args,
      ...optional('scopeChallenge', scopeChallenge(runtime, prompt.scopes, what)),
    },
    (args, sdk) => {
      const missing = missingScopes(principal(sdk), prompt.scopes);
      if (missing.length > 0) throw insufficientScope(what, missing);
      let text: string;
      try {
        text = prompt.render(args as never);
      } catch (error) {
        runtime.log.error({ err: error, prompt: prompt.name }, 'prompt rendering failed');
        throw new ProtocolError(ProtocolErrorCode.InternalError, 'Rendering the prompt failed unexpectedly.');
      }
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
}

// exactOptionalPropertyTypes: an absent handler must be an absent key, not `undefined`.
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
