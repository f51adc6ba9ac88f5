import { z } from 'zod';
import type { ToolDefinition } from './define.js';

/** Added to destructive tools so a model can pass on a confirmation the person gave in the conversation. */
export const confirmedField = z
  .boolean()
  .optional()
  .describe(
    'True only if the person explicitly approved this exact operation in the conversation; ' +
      'honoured only when the operator allows model-confirmed calls.',
  );

/** Added to the output of every state-changing tool. */
export const replayedField = z
  .boolean()
  .describe('True if this is the stored result of an earlier call with this idempotency_key.');

export interface PreparedSchemas {
  /** What the wrapper validates arguments against. */
  input: z.ZodObject;
  /** What the wrapper validates results against; advertised as outputSchema. */
  output: z.ZodObject;
  /** Advertised to clients, validating nothing: the wrapper validates so that errors keep our shape. */
  advertisedInput: PassThroughSchema;
  advertisedOutput: PassThroughSchema;
}

/** A Standard Schema that accepts anything but advertises a JSON Schema. */
export interface PassThroughSchema {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: 'bounded';
    readonly validate: (value: unknown) => { value: unknown };
    readonly jsonSchema: {
      readonly input: (options: { target: string }) => Record<string, unknown>;
      readonly output: (options: { target: string }) => Record<string, unknown>;
    };
  };
}

function passThrough(schema: z.ZodObject, io: 'input' | 'output'): PassThroughSchema {
  const cache = new Map<string, Record<string, unknown>>();
  const convert = (options: { target: string }) => {
    let json = cache.get(options.target);
    if (!json) {
      json = compact(
        z.toJSONSchema(schema, {
          io,
          target: options.target === 'draft-07' ? 'draft-07' : 'draft-2020-12',
          unrepresentable: 'any',
        }),
        io,
      ) as Record<string, unknown>;
      cache.set(options.target, json);
    }
    return json;
  };
  return {
    '~standard': {
      version: 1,
      vendor: 'bounded',
      validate: (value) => ({ value }),
      jsonSchema: { input: convert, output: convert },
    },
  };
}

// tools/list is paid for in the model's context on every connection: drop what says nothing.
// zod writes the safe-integer range on every integer and a $schema line on every schema, and in a
// result schema it closes every object; the wrapper validates every result against the full zod
// schema before it leaves, so `additionalProperties: false` there tells a client nothing. The
// `required` lists stay: without them a client reads every result field as optional.
function compact(value: unknown, io: 'input' | 'output'): unknown {
  if (Array.isArray(value)) return value.map((item) => compact(item, io));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === '$schema') continue;
    if (key === 'minimum' && item === Number.MIN_SAFE_INTEGER) continue;
    if (key === 'maximum' && item === Number.MAX_SAFE_INTEGER) continue;
    if (io === 'output' && key === 'additionalProperties' && item === false) continue;
    out[key] = compact(item, io);
  }
  return out;
}

/** Builds the schemas the wrapper checks and the ones clients see, once per tool. */
export function prepareSchemas(tool: ToolDefinition): PreparedSchemas {
  const input = tool.annotations.destructiveHint
    ? tool.input.extend({ confirmed: confirmedField })
    : tool.input;
  const output = tool.effects === 'none' ? tool.output : tool.output.extend({ replayed: replayedField });
  return {
    input,
    output,
    advertisedInput: passThrough(input, 'input'),
    advertisedOutput: passThrough(output, 'output'),
  };
}
