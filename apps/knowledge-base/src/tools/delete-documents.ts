import { idempotencyKey, ToolError } from '@bounded/core';
import { z } from 'zod';
import { documentsToDelete } from '../store/documents.js';
import { deleteDocuments } from '../store/index-document.js';
import { defineKbTool, WRITE_SCOPES } from './define-kb-tool.js';
import { collectionName, documentUri } from './shapes.js';

export const deleteDocumentsTool = defineKbTool({
  name: 'delete_documents',
  title: 'Delete documents',
  description:
    'Removes documents from the knowledge base, by uri (1 to 100) or a whole collection, with their passages; they stop appearing ' +
    'in results at once. Give exactly one of uris and collection. The person is asked to confirm first. Uris that are not indexed ' +
    'are reported, not an error. Use one idempotency_key per deletion.',
  input: z.object({
    uris: z.array(documentUri).min(1).max(100).optional(),
    collection: collectionName.optional(),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({
    deleted_documents: z.number().int(),
    deleted_chunks: z.number().int(),
    not_found: z.array(z.string()).describe('Uris asked for that were not indexed.'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  effects: 'transactional',
  scopes: WRITE_SCOPES,
  async handler(input, ctx) {
    if ((input.uris === undefined) === (input.collection === undefined)) {
      throw new ToolError('invalid_argument', 'Give exactly one of uris and collection.', {
        hint: 'List the documents by uri, or name one collection to empty.',
        details: { field: 'uris' },
      });
    }
    const target = input.uris !== undefined ? { uris: input.uris } : { collection: input.collection! };
    const found = await documentsToDelete(ctx.tx, target);
    const notFound = input.uris ? input.uris.filter((u) => !found.some((f) => f.uri === u)) : [];
    if (found.length === 0) {
      return {
        data: { deleted_documents: 0, deleted_chunks: 0, not_found: notFound },
        text: input.collection
          ? `Collection ${input.collection} holds no documents; nothing deleted.`
          : 'None of these uris is indexed; nothing deleted.',
      };
    }
    const chunks = found.reduce((sum, f) => sum + f.chunk_count, 0);
    const what = input.collection
      ? `all ${found.length} document(s) of collection ${input.collection}`
      : found.length === 1
        ? `the document ${found[0]!.uri}`
        : `${found.length} documents (${found
            .slice(0, 3)
            .map((f) => f.uri)
            .join(', ')}${found.length > 3 ? ', …' : ''})`;
    await ctx.confirm(`Delete ${what} from the knowledge base (${chunks} passages)? This cannot be undone.`);
    const gone = await deleteDocuments(
      ctx.tx,
      found.map((f) => f.id),
    );
    return {
      data: { deleted_documents: gone.documents, deleted_chunks: gone.chunks, not_found: notFound },
      text: `Deleted ${gone.documents} document(s) and ${gone.chunks} passage(s).${notFound.length ? ` Not indexed: ${notFound.join(', ')}.` : ''}`,
    };
  },
});
