/** A heading-delimited part of a document: its heading path and where it sits in the text. */
export interface Section {
  /** Headings from the top down to this section's own, e.g. ["useEffect", "Usage", "Fetching data"]. */
  headingPath: string[];
  /** Heading level of the section's own heading; 0 for text before the first heading. */
  level: number;
  start: number;
  end: number;
}

const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/;
const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;
// MDX heading anchors ({/*some-id*/}) and trailing markup are not part of a heading's name.
const ANCHOR = /\{\/\*.*?\*\/\}/g;

/** The heading text as a reader sees it: anchors, emphasis and code ticks removed. */
export function headingText(raw: string): string {
  return raw
    .replace(ANCHOR, '')
    .replace(/[`*_]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim();
}

/**
 * Splits markdown into sections at ATX headings (not inside fenced code). Offsets cover the whole
 * text without gaps, so the sections together are the document.
 */
export function markdownSections(text: string): Section[] {
  const sections: Section[] = [];
  const stack: { level: number; text: string }[] = [];
  let current: Section = { headingPath: [], level: 0, start: 0, end: text.length };
  let fence: string | undefined;
  let offset = 0;
  for (const line of text.split('\n')) {
    const lineStart = offset;
    offset += line.length + 1;
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      const marker = fenceMatch[1]!;
      if (fence === undefined) fence = marker[0]!.repeat(marker.length);
      else if (marker.startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = HEADING.exec(line);
    if (!heading) continue;
    const level = heading[1]!.length;
    const name = headingText(heading[2]!);
    if (!name) continue;
    current.end = lineStart;
    if (current.end > current.start) sections.push(current);
    while (stack.length > 0 && stack.at(-1)!.level >= level) stack.pop();
    stack.push({ level, text: name });
    current = { headingPath: stack.map((h) => h.text), level, start: lineStart, end: text.length };
  }
  current.end = text.length;
  if (current.end > current.start || sections.length === 0) sections.push(current);
  return sections;
}
