import { defineTool, idempotencyKey } from '@bounded/core';
import { z } from 'zod';
import { insertNote } from '../store/notes.js';

export const addNote = defineTool({
  name: 'add_note',
  description:
    'Saves a short note for the caller. Use it when the person asks to remember something. ' +
    'Generate one idempotency_key per note and reuse it verbatim only to retry that same note. ' +
    'Title 1-200 characters, body up to 10,000.',
  input: z.object({
    title: z.string().min(1).max(200).describe('A short title'),
    body: z.string().max(10_000).describe('The note itself'),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({
    note: z.object({ note_id: z.string(), title: z.string(), created_at: z.string() }),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'transactional', // one transaction with the idempotency claim and the audit row
  async handler(input, ctx) {
    const note = await insertNote(ctx.tx, { owner: ctx.principal.id, title: input.title, body: input.body });
    return { data: { note }, text: `Saved note ${note.note_id}: ${note.title}` };
  },
});
