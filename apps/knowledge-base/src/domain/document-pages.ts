import { markdownSections, type Section } from './sections.js';
import type { ContentType } from './document-text.js';

/** A document's sections for get_document: heading sections of markdown (HTML is stored as markdown), one for plain text. */
export function documentSections(text: string, type: ContentType): Section[] {
  return type === 'text'
    ? [{ headingPath: [], level: 0, start: 0, end: text.length }]
    : markdownSections(text);
}

export interface SectionPart {
  headingPath: string[];
  start: number;
  end: number;
  text: string;
  /** true when this is only part of the section (the rest follows on the next page). */
  partial: boolean;
}

/**
 * The sections from character `from` on, as many whole sections as fit `maxChars`; a section
 * larger than the budget is cut at a line or word break and continues on the next page.
 * Returns where the next page starts, or null at the end.
 */
export function pageOfSections(
  text: string,
  sections: Section[],
  from: number,
  maxChars: number,
): { parts: SectionPart[]; next: number | null } {
  const parts: SectionPart[] = [];
  let used = 0;
  for (const section of sections) {
    if (section.end <= from) continue;
    const start = Math.max(section.start, from);
    const size = section.end - start;
    if (used + size <= maxChars) {
      parts.push({
        headingPath: section.headingPath,
        start,
        end: section.end,
        text: text.slice(start, section.end),
        partial: start > section.start,
      });
      used += size;
      continue;
    }
    if (parts.length > 0) return { parts, next: start };
    // The first section alone is too large: cut it, preferring a paragraph, line or word break.
    const end = cutPoint(text, start, start + maxChars);
    parts.push({ headingPath: section.headingPath, start, end, text: text.slice(start, end), partial: true });
    return { parts, next: end };
  }
  return { parts, next: null };
}

function cutPoint(text: string, start: number, limit: number): number {
  const earliest = start + Math.floor((limit - start) * 0.6);
  const window = text.slice(earliest, limit);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    if (at >= 0) return earliest + at + separator.length;
  }
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}
