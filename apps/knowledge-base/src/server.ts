import type { AppDefinition } from '@bounded/core';
import type { KnowledgeBaseDeps } from './config.js';
import { answerWithCitations } from './prompts/answer-with-citations.js';
import { documentResource } from './resources/document.js';
import { deleteDocumentsTool } from './tools/delete-documents.js';
import { getDocument } from './tools/get-document.js';
import { ingestDirectoryTool } from './tools/ingest-directory.js';
import { ingestDocuments } from './tools/ingest-documents.js';
import { listCollectionsTool } from './tools/list-collections.js';
import { researchQuestion } from './tools/research-question.js';
import { searchKnowledge } from './tools/search-knowledge.js';

export const KNOWLEDGE_BASE_VERSION = '0.1.0';

export const knowledgeBaseApp: AppDefinition<KnowledgeBaseDeps> = {
  name: 'knowledge-base',
  version: KNOWLEDGE_BASE_VERSION,
  instructions:
    'A knowledge base of documents with ranked, cited retrieval in results sized for your context. To answer a question, call ' +
    'research_question (the best passages within a token budget, grouped by document, with citations). To browse, call ' +
    'search_knowledge (snippets first), then get_document for an outline and sections. list_collections shows what is indexed. ' +
    'Cite sources by title and uri. Writing tools (ingest_documents, ingest_directory, delete_documents) take an idempotency_key: ' +
    'one per intended operation, reused only to retry it. Resource: kb://documents/{document_id}.',
  tools: [
    researchQuestion,
    searchKnowledge,
    getDocument,
    listCollectionsTool,
    ingestDocuments,
    ingestDirectoryTool,
    deleteDocumentsTool,
  ],
  resources: [documentResource],
  prompts: [answerWithCitations],
};
