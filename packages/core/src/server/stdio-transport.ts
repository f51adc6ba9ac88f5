import type { Readable, Writable } from 'node:stream';
import {
  parseJSONRPCMessage,
  serializeMessage,
  type JSONRPCMessage,
  type Transport,
} from '@modelcontextprotocol/server';
import { IdleWaiters } from './idle-waiters.js';
import { paramsError, requestId } from './request-params.js';
import { StdioEraGate } from './stdio-era.js';

/** Largest JSON-RPC line we accept; a longer one is dropped and answered with an error. */
export const STDIO_MAX_LINE_BYTES = 4 * 1024 * 1024;

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;

// Serialisers put the top-level "id" first (after "jsonrpc") or last (the official SDK clients);
// looking at both ends is enough to answer a dropped line without parsing megabytes.
const LEADING_ID =
  /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,16})\s*[,}]/;
const TRAILING_ID =
  /[,{]\s*"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,16})\s*(?:,\s*"jsonrpc"\s*:\s*"2\.0"\s*)?\}\s*$/;
const END_SAMPLE_BYTES = 1024;

/**
 * Newline-delimited JSON-RPC over a pair of streams. Unlike the SDK's stdio transport, a request
 * it cannot take (malformed params, a bad id, an oversized line, the other protocol era) is
 * answered with one JSON-RPC error instead of being dropped, so a host never waits forever, and
 * the stream keeps being read. Responses and notifications are never answered, malformed or not.
 */
export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private chunks: Buffer[] = [];
  /** Ids of requests read but not yet answered. */
  private readonly owed = new Set<string | number>();
  private readonly waiters = new IdleWaiters(() => this.owed.size === 0);
  private buffered = 0;
  /** Set while skipping the rest of an oversized line: its first bytes, and the last ones seen so far. */
  private discarding: { head: string; tail: Buffer } | undefined;
  private closed = false;
  private readonly era = new StdioEraGate();

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly options: {
      maxLineBytes?: number;
      /** Called when the input ends; the transport stays open for the replies still owed. Absent: it closes. */
      onInputEnd?: () => void;
      /** Called after the transport closed, whatever closed it (a broken stdout included). */
      onClosed?: () => void;
    } = {},
  ) {}

  private get maxLineBytes(): number {
    return this.options.maxLineBytes ?? STDIO_MAX_LINE_BYTES;
  }

  async start(): Promise<void> {
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('close', this.onEnd);
    this.input.on('error', this.onInputError);
    this.output.on('error', this.onOutputError);
  }

  /** Resolves when every request read so far has been answered, or after `timeoutMs` (then false). */
  settled(timeoutMs: number): Promise<boolean> {
    return this.waiters.wait(timeoutMs);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error('stdio transport is closed');
    const line = serializeMessage(message);
    if (('result' in message || 'error' in message) && message.id !== undefined && message.id !== null) {
      this.answered(message.id);
    }
    if (!this.output.write(line)) {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          this.output.off('drain', done);
          this.output.off('error', done);
          if (error) reject(error);
          else resolve();
        };
        this.output.once('drain', done);
        this.output.once('error', done);
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('close', this.onEnd);
    this.input.off('error', this.onInputError);
    this.chunks = [];
    this.onclose?.();
    this.options.onClosed?.();
  }

  private answered(id: string | number): void {
    if (this.owed.delete(id)) this.waiters.check();
  }

  private inputEnded = false;
  private readonly onEnd = () => {
    if (this.inputEnded) return;
    this.inputEnded = true;
    if (this.options.onInputEnd) this.options.onInputEnd();
    else void this.close();
  };
  private readonly onInputError = (error: Error) => this.onerror?.(error);
  private readonly onOutputError = (error: Error) => {
    this.onerror?.(error);
    void this.close();
  };

  private readonly onData = (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.push(chunk.subarray(start, nl));
      if (this.discarding) this.answerOversized(this.discarding);
      else this.processLine(Buffer.concat(this.chunks).toString('utf8'));
      this.discarding = undefined;
      this.chunks = [];
      this.buffered = 0;
      start = nl + 1;
    }
    if (start < chunk.length) this.push(chunk.subarray(start));
  };

  private push(part: Buffer): void {
    if (part.length === 0) return;
    if (this.discarding) {
      const tail = Buffer.concat([this.discarding.tail, part]);
      this.discarding.tail = tail.subarray(Math.max(0, tail.length - END_SAMPLE_BYTES));
      return;
    }
    this.chunks.push(part);
    this.buffered += part.length;
    if (this.buffered > this.maxLineBytes) this.dropOversized();
  }

  private dropOversized(): void {
    const all = Buffer.concat(this.chunks);
    this.discarding = {
      head: all.subarray(0, END_SAMPLE_BYTES).toString('utf8'),
      tail: all.subarray(Math.max(0, all.length - END_SAMPLE_BYTES)),
    };
    this.chunks = [];
    this.buffered = 0;
  }

  /** Answers a dropped oversized line once its end has arrived, with its id when one can be found. */
  private answerOversized(dropped: { head: string; tail: Buffer }): void {
    this.onerror?.(new Error(`input line exceeded ${this.maxLineBytes} bytes; dropped`));
    const found = LEADING_ID.exec(dropped.head)?.[1] ?? TRAILING_ID.exec(dropped.tail.toString('utf8'))?.[1];
    this.reply(
      found === undefined ? null : idFromFragment(found),
      INVALID_REQUEST,
      `Message too large: lines are limited to ${this.maxLineBytes} bytes. The message was dropped.`,
    );
  }

  private processLine(line: string): void {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      this.onerror?.(error as Error);
      this.reply(null, PARSE_ERROR, 'Parse error: the line is not valid JSON.');
      return;
    }
    if (!Array.isArray(raw)) {
      this.take(raw);
      return;
    }
    // Batches are not part of the protocol since 2025-06-18: each request in one is refused by id.
    for (const entry of raw) {
      if (isObject(entry) && 'method' in entry && 'id' in entry) {
        this.reply(
          requestId(entry.id) ?? null,
          INVALID_REQUEST,
          'Invalid request: JSON-RPC batches are not supported; send each request on its own line.',
        );
      }
    }
  }

  /** Routes one parsed message: a request is served or answered with an error, never left unanswered. */
  private take(raw: unknown): void {
    if (!isObject(raw)) {
      this.reply(null, INVALID_REQUEST, 'Invalid request: a JSON-RPC message must be a JSON object.');
      return;
    }
    // A response (to a server request such as elicitation) or a notification is never answered.
    const notification = 'method' in raw && !('id' in raw);
    if (notification || (!('method' in raw) && ('result' in raw || 'error' in raw))) {
      let message: JSONRPCMessage;
      try {
        message = parseJSONRPCMessage(raw);
      } catch (error) {
        this.onerror?.(
          new Error(
            `ignored a malformed ${notification ? 'notification' : 'response'}: ${firstIssue(error)}`,
          ),
        );
        return;
      }
      if (notification) this.noteCancellation(raw);
      this.onmessage?.(message);
      return;
    }
    const id = requestId(raw.id);
    const refuse = (code: number, text: string) => {
      this.onerror?.(new Error(text));
      this.reply(id ?? null, code, text);
    };
    if (id === undefined)
      return refuse(INVALID_REQUEST, 'Invalid request: "id" must be a string or an integer.');
    if (raw.jsonrpc !== '2.0') return refuse(INVALID_REQUEST, 'Invalid request: "jsonrpc" must be "2.0".');
    if (typeof raw.method !== 'string')
      return refuse(INVALID_REQUEST, 'Invalid request: "method" must be a string.');
    const invalid = paramsError(raw.method, raw.params);
    if (invalid) return refuse(invalid.code, invalid.message);
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(raw);
    } catch (error) {
      return refuse(INVALID_REQUEST, `Invalid request: ${firstIssue(error)}.`);
    }
    const refusal = this.era.screen({ method: raw.method, params: raw.params });
    if (refusal) {
      this.onerror?.(new Error(refusal.message));
      this.reply(id, refusal.code, refusal.message, refusal.data);
      return;
    }
    this.owed.add(id);
    this.onmessage?.(message);
  }

  /** A cancelled request is not answered (the protocol says so): stop waiting for its reply. */
  private noteCancellation(raw: Record<string, unknown>): void {
    if (raw.method !== 'notifications/cancelled') return;
    const cancelled = (raw.params as { requestId?: unknown } | undefined)?.requestId;
    if (typeof cancelled === 'string' || typeof cancelled === 'number') this.answered(cancelled);
  }

  private reply(
    id: string | number | null,
    code: number,
    message: string,
    data?: Record<string, unknown>,
  ): void {
    if (this.closed) return;
    const error = { code, message, ...(data ? { data } : {}) };
    this.output.write(`${JSON.stringify({ jsonrpc: '2.0', id, error })}\n`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The id of a dropped line, from a fragment that only looks like JSON (`"\\x"`, `0123` are not). */
function idFromFragment(fragment: string): string | number | null {
  try {
    return requestId(JSON.parse(fragment)) ?? null;
  } catch {
    return null;
  }
}

/** The first problem a schema error names, in one line ("params.name: expected string, received number"). */
function firstIssue(error: unknown): string {
  const issue = (error as { issues?: Array<{ path?: PropertyKey[]; message: string }> }).issues?.[0];
  if (!issue) return 'not a valid JSON-RPC 2.0 message';
  const path = (issue.path ?? []).map(String).join('.');
  return `${path ? `${path}: ` : ''}${issue.message.replace(/^Invalid input: /, '')}`;
}
