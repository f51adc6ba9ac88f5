import {
  CLIENT_CAPABILITIES_META_KEY,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  ResourceTemplate,
  type AuthInfo,
  type McpRequestContext,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { ToolError } from '../errors.js';
import type { Principal, PromptDefinition, ResourceDefinition, ToolDefinition } from './define.js';
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
    const principal = principalOf(context.authInfo, runtime.options.operator);
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
    for (const prompt of runtime.app.prompts ?? []) registerPrompt(server, runtime, prompt);
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

function principalOf(authInfo: AuthInfo | undefined, operator: string): Principal {
  if (!authInfo) return { id: operator, scopes: ['*'] };
  const subject = authInfo.extra?.['sub'];
  return { id: typeof subject === 'string' ? subject : authInfo.clientId, scopes: authInfo.scopes };
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
  principal: Principal,
  era: 'modern' | 'legacy',
): void {
  server.registerTool(
    tool.name,
    {
      ...(tool.title ? { title: tool.title } : {}),
      description: tool.description,
      inputSchema: schemas.advertisedInput,
      outputSchema: schemas.advertisedOutput,
      annotations: { ...(tool.title ? { title: tool.title } : {}), ...tool.annotations },
    },
    (args, sdk) =>
      runTool({ tool, schemas, runtime, args, sdk, principal, era, canElicit: canElicit(server, sdk, era) }),
  );
}

function registerResource(
  server: McpServer,
  runtime: Runtime,
  resource: ResourceDefinition,
  principal: Principal,
): void {
  const metadata = {
    ...(resource.title ? { title: resource.title } : {}),
    description: resource.description,
    mimeType: resource.mimeType,
  };
  const contextFor = (signal: AbortSignal) => ({
    deps: runtime.deps,
    db: runtime.db,
    log: runtime.log,
    principal,
    signal,
  });
  const read = async (uri: URL, params: Record<string, string>, signal: AbortSignal) => {
    try {
      const contents = await resource.read(params, contextFor(signal));
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
    server.registerResource(resource.name, resource.uri, metadata, (uri, sdk) =>
      read(uri, {}, sdk.mcpReq.signal),
    );
    return;
  }
  const list = resource.list;
  const template = new ResourceTemplate(resource.uri, {
    list: list
      ? async (sdk) => {
          try {
            const found = await list(contextFor(sdk.mcpReq.signal));
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
    read(
      uri,
      Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
      sdk.mcpReq.signal,
    ),
  );
}

function registerPrompt(server: McpServer, runtime: Runtime, prompt: PromptDefinition): void {
  server.registerPrompt(
    prompt.name,
    {
      ...(prompt.title ? { title: prompt.title } : {}),
      description: prompt.description,
      argsSchema: prompt.args,
    },
    (args) => {
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
