import { expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, idempotencyKey } from '../src/index.js';
import { prepareSchemas } from '../src/server/tool-schema.js';

const tool = defineTool({
  name: 'save_thing',
  description: 'Saves a thing.',
  input: z.object({ name: z.string(), note: z.string().optional(), idempotency_key: idempotencyKey() }),
  output: z.object({
    thing: z.object({ id: z.string(), size: z.number().int() }),
    warning: z.string().optional(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  effects: 'transactional',
  handler: async () => ({ data: { thing: { id: 'a', size: 1 } }, text: 'ok' }),
});

const json = (schema: { '~standard': { jsonSchema: { input: (o: { target: string }) => unknown } } }) =>
  schema['~standard'].jsonSchema.input({ target: 'draft-2020-12' });

it('advertises result schemas without the closing zod adds, keeping every required list', () => {
  const schemas = prepareSchemas(tool);
  expect(json(schemas.advertisedOutput)).toEqual({
    type: 'object',
    properties: {
      thing: {
        type: 'object',
        properties: { id: { type: 'string' }, size: { type: 'integer' } },
        required: ['id', 'size'],
      },
      warning: { type: 'string' },
      replayed: { type: 'boolean', description: expect.any(String) },
    },
    required: ['thing', 'replayed'],
  });
  // The wrapper still holds results to the closed, complete schema.
  expect(schemas.output.safeParse({ thing: { id: 'a' }, replayed: false }).success).toBe(false);
  expect(json(schemas.advertisedInput)).toMatchObject({ required: ['name', 'idempotency_key'] });
});
