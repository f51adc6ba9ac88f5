import { setTimeout as delay } from 'node:timers/promises';

/** What an embeddings call needs: an OpenAI-compatible `POST {url}/embeddings`. */
export interface EndpointSettings {
  url: string;
  model: string;
  key?: string | undefined;
  /** Sent as `dimensions` (models that can shorten their vectors), and checked on every answer. */
  dimensions?: number | undefined;
  timeoutMs: number;
  batchSize: number;
}

/** The endpoint could not embed the texts; `retryable` when a later try may succeed. */
export class EmbeddingsFailed extends Error {
  override name = 'EmbeddingsFailed';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface EmbeddingsEndpoint {
  readonly model: string;
  readonly dimensions: number | undefined;
  readonly batchSize: number;
  /** Deadline of one request, ms. */
  readonly timeoutMs: number;
  /**
   * One vector per text, in order. Retries 408, 429, 5xx, timeouts and network errors with
   * exponential backoff (honouring Retry-After) up to `attempts` tries; throws EmbeddingsFailed,
   * or the abort reason when `signal` fires.
   */
  embed(texts: readonly string[], options?: { signal?: AbortSignal; attempts?: number }): Promise<number[][]>;
}

// Longer waits than this are not worth holding a query or a batch for; the job retries later.
const MAX_BACKOFF_MS = 30_000;

export function createEmbeddingsEndpoint(settings: EndpointSettings): EmbeddingsEndpoint {
  const url = `${settings.url.replace(/\/+$/, '')}/embeddings`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (settings.key) headers.authorization = `Bearer ${settings.key}`;
  const retryAfterMs = new WeakMap<EmbeddingsFailed, number>();

  async function once(texts: readonly string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const deadline = AbortSignal.timeout(settings.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model: settings.model,
          input: texts,
          encoding_format: 'float',
          ...(settings.dimensions ? { dimensions: settings.dimensions } : {}),
        }),
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
    } catch (error) {
      signal?.throwIfAborted();
      const what = deadline.aborted ? `no answer within ${settings.timeoutMs} ms` : (error as Error).message;
      throw new EmbeddingsFailed(`embeddings endpoint ${url}: ${what}`, true);
    }
    if (!response.ok) {
      const body = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ');
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      const failure = new EmbeddingsFailed(
        `embeddings endpoint ${url} answered ${response.status}${body ? `: ${body}` : ''}`,
        retryable,
      );
      const after = Number(response.headers.get('retry-after'));
      if (retryable && Number.isFinite(after) && after > 0) retryAfterMs.set(failure, after * 1000);
      throw failure;
    }
    return vectorsOf(await response.json().catch(() => undefined), texts.length, settings.dimensions);
  }

  return {
    model: settings.model,
    dimensions: settings.dimensions,
    batchSize: settings.batchSize,
    timeoutMs: settings.timeoutMs,
    async embed(texts, options = {}) {
      if (texts.length === 0) return [];
      const attempts = Math.max(1, options.attempts ?? 4);
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await once(texts, options.signal);
        } catch (error) {
          if (!(error instanceof EmbeddingsFailed) || !error.retryable || attempt >= attempts) throw error;
          const backoff = retryAfterMs.get(error) ?? 250 * 2 ** attempt * (0.5 + Math.random());
          await delay(Math.min(backoff, MAX_BACKOFF_MS), undefined, { signal: options.signal });
        }
      }
    },
  };
}

function vectorsOf(body: unknown, count: number, dimensions: number | undefined): number[][] {
  const data = (body as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data) || data.length !== count) {
    throw new EmbeddingsFailed(
      `embeddings endpoint answered ${Array.isArray(data) ? data.length : 'no'} vectors for ${count} texts`,
      false,
    );
  }
  const vectors: number[][] = new Array<number[]>(count);
  data.forEach((item: { index?: unknown; embedding?: unknown }, position) => {
    const index = typeof item.index === 'number' ? item.index : position;
    const v = item.embedding;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new EmbeddingsFailed(
        'embeddings endpoint answered a vector that is not a list of numbers',
        false,
      );
    }
    if (dimensions !== undefined && v.length !== dimensions) {
      throw new EmbeddingsFailed(
        `embeddings endpoint answered ${v.length} dimensions, KB_EMBEDDINGS_DIMENSIONS says ${dimensions}`,
        false,
      );
    }
    vectors[index] = v as number[];
  });
  const length = vectors[0]?.length;
  if (vectors.some((v) => v === undefined || v.length !== length)) {
    throw new EmbeddingsFailed('embeddings endpoint answered vectors of different sizes or indexes', false);
  }
  return vectors;
}
