import { expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, idempotencyKey } from '../src/index.js';
import { checkDeclaration } from '../src/server/factory.js';

const base = {
  name: 'probe',
  description: 'probe',
  output: z.object({}),
  handler: async () => ({ data: {}, text: '' }),
};
const writes = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false };

it('refuses tool declarations that contradict themselves, and accepts consistent ones', () => {
  const keyless = defineTool({ ...base, input: z.object({}), annotations: writes, effects: 'transactional' });
  expect(() => checkDeclaration(keyless)).toThrow(/declares no idempotency_key/);
  const lying = defineTool({
    ...base,
    input: z.object({ idempotency_key: idempotencyKey() }),
    annotations: { ...writes, readOnlyHint: true },
    effects: 'phased',
  });
  expect(() => checkDeclaration(lying)).toThrow(/readOnlyHint true/);
  const readWithoutHint = defineTool({ ...base, input: z.object({}), annotations: writes, effects: 'none' });
  expect(() => checkDeclaration(readWithoutHint)).toThrow(/readOnlyHint false/);
  const fine = defineTool({
    ...base,
    input: z.object({ idempotency_key: idempotencyKey() }),
    annotations: writes,
    effects: 'transactional',
  });
  expect(() => checkDeclaration(fine)).not.toThrow();
});
