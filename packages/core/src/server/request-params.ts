import { specTypeSchemas, type SpecTypeName } from '@modelcontextprotocol/server';
import type { McpFetchHandler } from './legacy-sessions.js';

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

/** JSON-RPC's code for params that do not fit the method. */
export const INVALID_PARAMS = -32602;

/** The error a request whose params do not fit its method is answered with, or undefined. */
export function paramsError(method: string, params: unknown): { code: number; message: string } | undefined {
  const problem = paramsProblem(method, params);
  return problem === undefined
    ? undefined
    : { code: INVALID_PARAMS, message: `Invalid params for ${method}: ${problem}.` };
}

/** A usable JSON-RPC id (a string or an integer), or undefined: JSON-RPC then wants `id: null`. */
export function requestId(value: unknown): string | number | undefined {
  return typeof value === 'string' || Number.isSafeInteger(value) ? (value as string | number) : undefined;
}

const peeked = new WeakMap<Request, Promise<unknown>>();

/**
 * The JSON body of a POST (undefined when it is not JSON), read from a clone once per request
 * however many of our wrappers look at it. The SDK still reads the request itself, so its own
 * checks, the body size limit among them, apply as before.
 */
export function jsonBody(request: Request): Promise<unknown> {
  if (request.method !== 'POST') return Promise.resolve(undefined);
  let body = peeked.get(request);
  if (body === undefined) {
    body = request
      .clone()
      .json()
      .catch(() => undefined);
    peeked.set(request, body);
  }
  return body;
}

/**
 * Puts the params check in front of an HTTP handler: a request whose params do not fit its method
 * gets -32602 with one short line (HTTP 400, as the SDK answers its own protocol errors), instead
 * of the SDK's -32603 with a schema dump. Anything that is not one JSON-RPC request goes through.
 */
export function screenParams(handler: McpFetchHandler): McpFetchHandler {
  return {
    async fetch(request, options) {
      const body = await jsonBody(request);
      if (isRequest(body)) {
        const error = paramsError(body.method, body.params);
        if (error) return Response.json({ jsonrpc: '2.0', id: body.id, error }, { status: 400 });
      }
      return handler.fetch(request, options);
    },
    close: () => handler.close(),
  };
}

function isRequest(body: unknown): body is { id: string | number; method: string; params?: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { id, method } = body as { id?: unknown; method?: unknown };
  return typeof method === 'string' && requestId(id) !== undefined;
}
