import { DEFAULT_TEXT_BUDGET_CHARS, defineResource, ToolError, truncateText } from '@bounded/core';
import type { KnowledgeBaseDeps } from '../config.js';
import { findDocument, recentDocuments } from '../store/documents.js';

export const documentResource = defineResource<KnowledgeBaseDeps>({
  name: 'document',
  title: 'Document',
  description:
    'One indexed document as text, with a header naming its title, uri and collection. Long documents are cut at about 4k tokens; read the rest with get_document.',
  uri: 'kb://documents/{document_id}',
  mimeType: 'text/markdown',
  async list(ctx) {
    const docs = await recentDocuments(ctx.db, 50);
    return docs.map((d) => ({ uri: `kb://documents/${d.id}`, name: d.title }));
  },
  async read(params, ctx) {
    const doc = await findDocument(ctx.db, { id: params.document_id ?? '' });
    if (!doc) throw new ToolError('not_found', `No document ${params.document_id}.`);
    const header = `<!-- ${doc.title} — ${doc.uri} (${doc.id}, collection ${doc.collection}) -->\n`;
    const body = truncateText(doc.content, DEFAULT_TEXT_BUDGET_CHARS - header.length);
    return {
      text:
        header + body.text + (body.truncated ? `\n(Continue with get_document, document_id ${doc.id}.)` : ''),
    };
  },
});
