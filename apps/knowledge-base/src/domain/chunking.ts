import { markdownSections, type Section } from './sections.js';

/** A passage of a document as it is indexed: a slice of the document's text with its heading path. */
export interface Chunk {
  ordinal: number;
  headingPath: string[];
  start: number;
  end: number;
  text: string;
}

export interface ChunkingRules {
  /** Largest chunk, in characters (about 4 characters a token). */
  maxChars: number;
  /** Characters a size-split chunk repeats from the end of the one before it. */
  overlapChars: number;
  /** Sections shorter than this join the next one under the same parent, so tiny headings do not make tiny chunks. */
  minChars: number;
}

export const CHUNKING: ChunkingRules = { maxChars: 1600, overlapChars: 200, minChars: 200 };

/**
 * Splits a document by structure first (markdown headings; each chunk keeps its heading path),
 * then by size with overlap, on paragraph, line or word boundaries. Whitespace-only pieces are
 * dropped; every chunk is an exact slice `text.slice(start, end)` of the document.
 */
export function chunkDocument(text: string, rules: ChunkingRules = CHUNKING): Chunk[] {
  const chunks: Chunk[] = [];
  for (const section of mergeSmall(markdownSections(text), rules.minChars)) {
    for (const [start, end] of sizeSplit(text, section.start, section.end, rules)) {
      const slice = text.slice(start, end);
      if (slice.trim() === '') continue;
      chunks.push({ ordinal: chunks.length, headingPath: section.headingPath, start, end, text: slice });
    }
  }
  return chunks;
}

// A short section (a heading and a line or two) joins its following sibling or child; the
// merged chunk keeps the first heading path, which is the more general one.
function mergeSmall(sections: Section[], minChars: number): Section[] {
  const merged: Section[] = [];
  for (const section of sections) {
    const last = merged.at(-1);
    if (last && last.end - last.start < minChars && section.level > 0 && section.level >= last.level) {
      last.end = section.end;
      continue;
    }
    merged.push({ ...section });
  }
  return merged;
}

/** [start, end) windows of at most maxChars covering [from, to), each overlapping the previous one. */
function sizeSplit(text: string, from: number, to: number, rules: ChunkingRules): [number, number][] {
  const windows: [number, number][] = [];
  let start = from;
  for (;;) {
    if (to - start <= rules.maxChars) {
      windows.push([start, to]);
      return windows;
    }
    const end = breakBefore(text, start, start + rules.maxChars);
    windows.push([start, end]);
    // Start the next window a little before this one ended, on a line or word start.
    const next = Math.max(start + 1, startAfter(text, end - rules.overlapChars, end));
    start = next;
  }
}

/** The best place at or before `limit` (and well after `start`) to end a window. */
function breakBefore(text: string, start: number, limit: number): number {
  const earliest = start + Math.floor((limit - start) / 2);
  const window = text.slice(earliest, limit);
  for (const separator of ['\n\n', '\n', '. ', ' ']) {
    const at = window.lastIndexOf(separator);
    if (at >= 0) return earliest + at + separator.length;
  }
  return safeCut(text, limit);
}

/** The first line or word start in [from, end), so an overlap never begins mid-word. */
function startAfter(text: string, from: number, end: number): number {
  const window = text.slice(from, end);
  const line = window.indexOf('\n');
  if (line >= 0 && line < window.length - 1) return from + line + 1;
  const word = window.indexOf(' ');
  if (word >= 0 && word < window.length - 1) return from + word + 1;
  return end;
}

// Never split a surrogate pair.
function safeCut(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}
