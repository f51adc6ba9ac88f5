import { specTypeSchemas, type SpecTypeName } from '@modelcontextprotocol/server';

// The requests a client sends a server, by method. The SDK checks params only inside its handlers,
// where a wrong type surfaces as an internal error (-32603) carrying a raw schema dump.
const CLIENT_REQUESTS: Record<string, SpecTypeName> = {
  initialize: 'InitializeRequest',
  'server/discover': 'DiscoverRequest',
  ping: 'PingRequest',
  'tools/list': 'ListToolsRequest',
  'tools/call': 'CallToolRequest',
  'resources/list': 'ListResourcesRequest',
  'resources/templates/list': 'ListResourceTemplatesRequest',
  'resources/read': 'ReadResourceRequest',
  'resources/subscribe': 'SubscribeRequest',
  'resources/unsubscribe': 'UnsubscribeRequest',
  'prompts/list': 'ListPromptsRequest',
  'prompts/get': 'GetPromptRequest',
  'completion/complete': 'CompleteRequest',
  'logging/setLevel': 'SetLevelRequest',
};

/**
 * What is wrong with a request's params, in one short line naming the field
 * ("params.cursor: expected string, received number"), or undefined when they fit the method.
 */
export function paramsProblem(method: string, params: unknown): string | undefined {
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    return `params: expected an object, received ${describe(params)}`;
  }
  const meta = (params as { _meta?: unknown } | undefined)?._meta;
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta))) {
    return `params._meta: expected an object, received ${describe(meta)}`;
  }
  const type = CLIENT_REQUESTS[method];
  if (!type) return undefined;
  const outcome = specTypeSchemas[type]['~standard'].validate({ method, ...(params ? { params } : {}) });
  if (outcome instanceof Promise || !outcome.issues?.length) return undefined;
  const issue = outcome.issues[0]!;
  const path = (issue.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)).join('.');
  return `${path || 'params'}: ${issue.message.replace(/^Invalid input: /, '')}`;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
