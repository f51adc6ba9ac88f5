import { chunkDocument, type Chunk } from './chunking.js';
import { contentHash, prepareText, type ContentType } from './document-text.js';

export interface DocumentInput {
  uri: string;
  title?: string | undefined;
  collection: string;
  tags: string[];
  contentType: ContentType;
  content: string;
}

/** What identifies and describes a document, as indexed and as stored. */
export interface DocumentMetadata {
  uri: string;
  title: string;
  collection: string;
  tags: string[];
  contentType: ContentType;
  contentHash: string;
}

export interface PreparedDocument extends DocumentMetadata {
  text: string;
  chunks: Chunk[];
}

/**
 * Everything indexing needs from one document, without I/O: normalized text, a title (given,
 * declared by the document, or the last part of its uri), chunks, and a hash of it all.
 * Throws UnreadableContent for binary or malformed text.
 */
export function prepareDocument(input: DocumentInput): PreparedDocument {
  const { text, declaredTitle } = prepareText(input.content, input.contentType);
  const title = (input.title?.trim() || declaredTitle?.trim() || lastPathPart(input.uri)).slice(0, 500);
  const tags = [...new Set(input.tags)].sort();
  return {
    uri: input.uri,
    title,
    collection: input.collection,
    tags,
    contentType: input.contentType,
    contentHash: contentHash([text, title, input.collection, input.contentType, ...tags]),
    text,
    chunks: chunkDocument(text),
  };
}

function lastPathPart(uri: string): string {
  const parts = uri.split(/[/\\]/).filter(Boolean);
  return decodeURIComponentSafe(parts.at(-1) ?? uri) || uri;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A name that is not percent-encoded is shown as it is.
    return text;
  }
}
