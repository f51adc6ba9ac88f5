import { createHash } from 'node:crypto';
import TurndownService from 'turndown';
import { parse as parseYaml } from 'yaml';

export type ContentType = 'markdown' | 'text' | 'html';

/** A document's text as it is stored and indexed, with the title it declares. */
export interface PreparedText {
  /** Normalized text: LF line ends; markdown without front matter; HTML converted to markdown. */
  text: string;
  /** The title the document gives itself (front matter, first level-1 heading, HTML <title>). */
  declaredTitle: string | undefined;
}

/** Why a document's content cannot be indexed; the caller turns it into an error the model can act on. */
export class UnreadableContent extends Error {
  override name = 'UnreadableContent';
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;
const FIRST_H1 = /^#[ \t]+(.+?)[ \t]*#*[ \t]*$/m;

let turndown: TurndownService | undefined;

/** Checks and normalizes a document's text for indexing. Throws UnreadableContent for binary or malformed text. */
export function prepareText(raw: string, type: ContentType): PreparedText {
  // Binary data decoded as text shows NULs. (Unpaired surrogates never get this far: the core
  // refuses them in any tool argument, and file bytes are decoded strictly.)
  if (raw.includes('\u0000')) throw new UnreadableContent('it contains NUL bytes (binary data, not text)');
  const lf = raw.replace(/\r\n?/g, '\n');
  if (type === 'text') return { text: lf, declaredTitle: undefined };
  if (type === 'html') {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(lf)?.[1]?.trim();
    const text = htmlToMarkdown(lf);
    return { text, declaredTitle: title || FIRST_H1.exec(text)?.[1] };
  }
  const front = FRONT_MATTER.exec(lf);
  const body = front ? lf.slice(front[0].length) : lf;
  return { text: body, declaredTitle: frontMatterTitle(front?.[1]) ?? FIRST_H1.exec(body)?.[1] };
}

/** The text's bytes → text, refusing invalid UTF-8 and binary files. */
export function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.includes(0)) throw new UnreadableContent('it contains NUL bytes (binary data, not text)');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UnreadableContent('it is not valid UTF-8');
  }
}

/** SHA-256 of what is indexed: unchanged content (and metadata) is skipped on re-ingest. */
export function contentHash(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part}`);
  return hash.digest('hex');
}

/** The content type a file name implies, or undefined for files that are not indexed. */
export function contentTypeOfFile(name: string): ContentType | undefined {
  const ext = name.toLowerCase().split('.').pop();
  if (ext === 'md' || ext === 'mdx' || ext === 'markdown') return 'markdown';
  if (ext === 'txt' || ext === 'text') return 'text';
  if (ext === 'html' || ext === 'htm') return 'html';
  return undefined;
}

function frontMatterTitle(yaml: string | undefined): string | undefined {
  if (yaml === undefined) return undefined;
  try {
    const data: unknown = parseYaml(yaml);
    const title = (data as { title?: unknown } | null)?.title;
    return typeof title === 'string' && title.trim() ? title.trim() : undefined;
  } catch {
    // Front matter that is not YAML is still text: the document simply declares no title there.
    return undefined;
  }
}

function htmlToMarkdown(html: string): string {
  if (!turndown) {
    turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced' });
    turndown.remove(['head', 'title', 'script', 'style', 'noscript', 'template']);
  }
  return turndown.turndown(html);
}
