/** Items per page when the caller does not say. */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest page a tool hands out, whatever the caller asks for. */
export const MAX_PAGE_SIZE = 100;
/** Text a single result may carry: about 4k tokens. */
export const DEFAULT_TEXT_BUDGET_CHARS = 16_000;

/**
 * Keeps the longest prefix of `items` whose total size fits `maxChars` (always at least one item,
 * so a page can always make progress). A prefix, never a selection: the next cursor continues
 * after the last item kept and nothing is skipped.
 */
export function fitToBudget<T>(
  items: T[],
  options: { maxChars: number; size?: (item: T) => number },
): { items: T[]; truncated: boolean } {
  const { maxChars } = options;
  if (!(maxChars >= 0)) throw new RangeError(`maxChars must be a non-negative number, got ${maxChars}`);
  const size = options.size ?? jsonLength;
  let used = 0;
  for (let i = 0; i < items.length; i += 1) {
    used += size(items[i] as T);
    if (used > maxChars && i > 0) return { items: items.slice(0, i), truncated: true };
  }
  return { items, truncated: false };
}

/**
 * Cuts `text` to at most `maxChars` characters, marker included (a budget smaller than the marker
 * gets the marker alone), preferring a line break, then a word break, near the limit.
 */
export function truncateText(text: string, maxChars: number): { text: string; truncated: boolean } {
  if (!(maxChars >= 0)) throw new RangeError(`maxChars must be a non-negative number, got ${maxChars}`);
  if (text.length <= maxChars) return { text, truncated: false };

  // Reserve room for the longest marker this cut can need (the omitted count is at most text.length).
  const room = Math.max(0, Math.floor(maxChars) - marker(text.length).length);
  const kept = text.slice(0, cutPoint(text, room)).trimEnd();
  return { text: `${kept}${marker(text.length - kept.length)}`, truncated: true };
}

function marker(omitted: number): string {
  return `\n… [truncated: ${omitted} more characters]`;
}

/** Where to cut so that at most `room` characters stay, on a line or word boundary if one is near. */
function cutPoint(text: string, room: number): number {
  // Only look back a fifth of the room: a far-away boundary would throw away too much text.
  const earliest = Math.floor(room * 0.8);
  const head = text.slice(0, room + 1);
  const line = head.lastIndexOf('\n');
  if (line >= earliest && line > 0) return line;
  const word = lastWhitespace(head, earliest);
  if (word >= earliest && word > 0) return word;
  // Hard cut; never split a surrogate pair.
  const code = text.charCodeAt(room - 1);
  return code >= 0xd800 && code <= 0xdbff ? room - 1 : room;
}

function lastWhitespace(text: string, earliest: number): number {
  for (let i = text.length - 1; i >= earliest; i -= 1) {
    if (/\s/.test(text[i] as string)) return i;
  }
  return -1;
}

function jsonLength(item: unknown): number {
  return JSON.stringify(item)?.length ?? 0;
}
