import { truncateText } from '@bounded/core';

/** A ranked passage as the search returns it. */
export interface RankedPassage {
  chunkId: string;
  documentId: string;
  title: string;
  uri: string;
  headingPath: string[];
  start: number;
  end: number;
  text: string;
  score: number;
}

/** One or more adjacent passages of a document, merged into one span. */
export interface PackedPassage {
  headingPath: string[];
  start: number;
  end: number;
  text: string;
  score: number;
  truncated: boolean;
}

export interface PackedDocument {
  documentId: string;
  title: string;
  uri: string;
  passages: PackedPassage[];
}

export interface Pack {
  documents: PackedDocument[];
  /** Characters of passage text packed. */
  usedChars: number;
  /** Ranked passages left out for want of room. */
  omitted: number;
}

/**
 * Packs the best passages into `maxChars`: the highest-scoring first; duplicates (the same text)
 * dropped; passages of one document that touch or overlap merged into one span; grouped by
 * document in order of each document's best passage. `overheadChars` is charged per passage for
 * its citation. The last passage that does not fit whole is cut to the room left, if that is
 * worth reading.
 */
export function packPassages(ranked: RankedPassage[], maxChars: number, overheadChars: number): Pack {
  const seen = new Set<string>();
  const chosen: RankedPassage[] = [];
  let omitted = 0;
  let used = 0;
  const cut = new Map<RankedPassage, string>();
  for (const passage of ranked) {
    const fingerprint = passage.text.replace(/\s+/g, ' ').trim();
    if (seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    // Measured as JSON, where line breaks and quotes take two characters: the structured result must fit too.
    const cost = jsonLength(passage.text) + overheadChars;
    if (used + cost <= maxChars) {
      chosen.push(passage);
      used += cost;
      continue;
    }
    const room = maxChars - used - overheadChars;
    if (room >= 400 && cut.size === 0) {
      // Escapes can make JSON up to a fifth longer than code-heavy text.
      cut.set(passage, truncateText(passage.text, Math.floor(room * 0.8)).text);
      chosen.push(passage);
      used = maxChars;
      continue;
    }
    omitted += 1;
  }

  const byDocument = new Map<string, PackedDocument>();
  for (const passage of chosen) {
    let doc = byDocument.get(passage.documentId);
    if (!doc) {
      doc = { documentId: passage.documentId, title: passage.title, uri: passage.uri, passages: [] };
      byDocument.set(passage.documentId, doc);
    }
    const text = cut.get(passage);
    doc.passages.push({
      headingPath: passage.headingPath,
      start: passage.start,
      end: text === undefined ? passage.end : passage.start + text.length,
      text: text ?? passage.text,
      score: passage.score,
      truncated: text !== undefined,
    });
  }
  const documents = [...byDocument.values()].map((doc) => ({
    ...doc,
    passages: mergeAdjacent(doc.passages),
  }));
  const usedChars = documents.reduce((sum, d) => sum + d.passages.reduce((s, p) => s + p.text.length, 0), 0);
  return { documents, usedChars, omitted };
}

/** Merges passages whose spans touch or overlap, in document order; the merged span keeps the best score. */
function mergeAdjacent(passages: PackedPassage[]): PackedPassage[] {
  const inOrder = [...passages].sort((a, b) => a.start - b.start);
  const merged: PackedPassage[] = [];
  for (const passage of inOrder) {
    const last = merged.at(-1);
    if (last && !last.truncated && passage.start <= last.end) {
      const extra = passage.text.slice(Math.min(passage.text.length, last.end - passage.start));
      last.text += extra;
      last.end = Math.max(last.end, passage.start + passage.text.length);
      last.score = Math.max(last.score, passage.score);
      last.truncated = passage.truncated;
      if (passage.headingPath.length < last.headingPath.length) last.headingPath = passage.headingPath;
      continue;
    }
    merged.push({ ...passage });
  }
  return merged;
}

function jsonLength(text: string): number {
  return JSON.stringify(text).length;
}
