import { describe, expect, it } from 'vitest';
import { chunkDocument } from '../../src/domain/chunking.js';
import { pageOfSections, documentSections } from '../../src/domain/document-pages.js';
import { prepareText, UnreadableContent, decodeUtf8 } from '../../src/domain/document-text.js';
import { packPassages, type RankedPassage } from '../../src/domain/research-pack.js';
import { markdownSections } from '../../src/domain/sections.js';

const DOC = [
  '# Title {/*title*/}',
  '',
  'Intro paragraph. '.repeat(20),
  '',
  '## Usage',
  '',
  '```js',
  '# not a heading inside code',
  '```',
  '',
  'Usage text. '.repeat(30),
  '',
  '### Deep `code` heading',
  '',
  'Deep text. '.repeat(300),
].join('\n');

describe('sections and chunks', () => {
  it('splits at headings outside code, keeping heading paths without MDX anchors or markup', () => {
    expect(markdownSections(DOC).map((s) => s.headingPath)).toEqual([
      ['Title'],
      ['Title', 'Usage'],
      ['Title', 'Usage', 'Deep code heading'],
    ]);
  });

  it('every chunk is an exact slice of the text, at most the maximum size, and long sections overlap', () => {
    const chunks = chunkDocument(DOC);
    for (const c of chunks) {
      expect(c.text).toBe(DOC.slice(c.start, c.end));
      expect(c.text.length).toBeLessThanOrEqual(1600);
    }
    const deep = chunks.filter((c) => c.headingPath.at(-1) === 'Deep code heading');
    expect(deep.length).toBeGreaterThan(1);
    for (let i = 1; i < deep.length; i += 1) expect(deep[i]!.start).toBeLessThan(deep[i - 1]!.end);
    // Nothing of the document is lost between chunks.
    const covered = chunks.reduce((end, c) => (c.start <= end ? Math.max(end, c.end) : -1), 0);
    expect(covered).toBe(DOC.length);
  });

  it('pages of sections add up to the whole text, however small the budget', () => {
    const sections = documentSections(DOC, 'markdown');
    for (const budget of [100, 700, 5000]) {
      let from: number | null = 0;
      let text = '';
      while (from !== null) {
        const page = pageOfSections(DOC, sections, from, budget);
        for (const part of page.parts) expect(part.text.length).toBeLessThanOrEqual(budget);
        text += page.parts.map((p) => p.text).join('');
        from = page.next;
      }
      expect(text).toBe(DOC);
    }
  });
});

describe('document text', () => {
  it('takes the title from front matter and drops it from the text', () => {
    expect(prepareText("---\ntitle: 'Hooks'\n---\n\n# Other\n", 'markdown')).toEqual({
      text: '\n# Other\n',
      declaredTitle: 'Hooks',
    });
  });

  it('refuses binary text and invalid UTF-8', () => {
    expect(() => prepareText('a\u0000b', 'text')).toThrow(UnreadableContent);
    expect(() => decodeUtf8(Uint8Array.from([0x63, 0xe9]))).toThrow('not valid UTF-8');
  });
});

describe('research packing', () => {
  const passage = (documentId: string, start: number, text: string, score: number): RankedPassage => ({
    chunkId: `${documentId}-${start}`,
    documentId,
    title: documentId,
    uri: `mem://${documentId}`,
    headingPath: [],
    start,
    end: start + text.length,
    text,
    score,
  });

  it('drops duplicates, merges overlapping passages of a document, and stays within the budget', () => {
    const text = 'abcdefghij'.repeat(10);
    const pack = packPassages(
      [
        passage('a', 0, text.slice(0, 60), 9),
        passage('b', 0, 'other document', 8),
        passage('a', 50, text.slice(50, 100), 7),
        passage('c', 0, text.slice(0, 60), 6),
      ],
      1000,
      50,
    );
    expect(pack.documents.map((d) => d.documentId)).toEqual(['a', 'b']);
    expect(pack.documents[0]!.passages).toEqual([
      expect.objectContaining({ start: 0, end: 100, text, score: 9, truncated: false }),
    ]);
    const small = packPassages([passage('a', 0, 'x'.repeat(5000), 1)], 1000, 50);
    expect(small.usedChars).toBeLessThanOrEqual(1000);
    expect(small.documents[0]!.passages[0]!.truncated).toBe(true);
  });
});
