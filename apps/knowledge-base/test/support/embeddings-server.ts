import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// Words of one group share a dimension, so texts that say the same thing in other words come out
// close. This is a stand-in for a model: it exercises the plumbing and the fusion, and says
// nothing of how well a real model ranks.
const SYNONYMS: string[][] = [
  ['car', 'cars', 'automobile', 'automobiles', 'vehicle', 'vehicles'],
  ['repair', 'repairs', 'maintenance', 'maintain', 'fix', 'fixing', 'service', 'servicing'],
  ['engine', 'engines', 'motor', 'motors'],
  ['tyre', 'tyres', 'tire', 'tires', 'wheel', 'wheels'],
];
const GROUP = new Map(SYNONYMS.flatMap((words) => words.map((w) => [w, words[0]!] as const)));
const STOP = new Set([
  'a',
  'an',
  'and',
  'the',
  'of',
  'to',
  'in',
  'on',
  'my',
  'how',
  'do',
  'i',
  'is',
  'it',
  'every',
]);

/** A deterministic bag-of-words vector: each word (or its synonym group) hashed to a dimension, unit length. */
export function testEmbedding(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    if (STOP.has(word)) continue;
    const key = GROUP.get(word) ?? word;
    let h = 2166136261;
    for (let i = 0; i < key.length; i += 1) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
    v[h % dimensions]! += 1;
  }
  const norm = Math.hypot(...v);
  // Cosine distance is undefined for a zero vector: a text without words points one fixed way.
  if (norm === 0) v[dimensions - 1] = 1;
  return norm === 0 ? v : v.map((x) => x / norm);
}

export interface TestEmbeddingsServer {
  /** Base URL, as KB_EMBEDDINGS_URL takes it. */
  url: string;
  /** Inputs of every request answered or refused. */
  requests: { model: string; input: string[] }[];
  /** While true, every request gets 503. */
  down: boolean;
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible embeddings endpoint on 127.0.0.1: POST {url}/embeddings, bearer `key`;
 * `dimensions` in a request shortens the vectors, as models that support it do.
 */
export async function startEmbeddingsServer(
  options: { key?: string; dimensions?: number } = {},
): Promise<TestEmbeddingsServer> {
  const dimensions = options.dimensions ?? 256;
  const state: TestEmbeddingsServer = {
    url: '',
    requests: [],
    down: false,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const answer = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') return answer(404, { error: 'not found' });
      if (options.key && req.headers.authorization !== `Bearer ${options.key}`) {
        return answer(401, { error: { message: 'bad key' } });
      }
      const request = JSON.parse(body) as { model: string; input: string[]; dimensions?: number };
      const { model, input } = request;
      state.requests.push({ model, input });
      if (state.down) return answer(503, { error: { message: 'overloaded' } });
      answer(200, {
        object: 'list',
        model,
        data: input.map((text, index) => ({
          object: 'embedding',
          index,
          embedding: testEmbedding(text, request.dimensions ?? dimensions),
        })),
        usage: { prompt_tokens: 0, total_tokens: 0 },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
