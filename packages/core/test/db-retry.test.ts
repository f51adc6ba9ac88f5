import { describe, expect, it } from 'vitest';
import { databaseUnavailable } from '../src/db/connection-failure.js';
import { isRetryableTxError, withTxRetry } from '../src/db/retry.js';
import { ToolError } from '../src/errors.js';

// Shaped like the errors pg and PGlite raise: an Error carrying the SQLSTATE in `code`.
function sqlError(code: string): Error {
  return Object.assign(new Error(`sqlstate ${code}`), { code });
}

describe('isRetryableTxError', () => {
  it('accepts serialization failures and deadlocks only', () => {
    expect(isRetryableTxError(sqlError('40001'))).toBe(true);
    expect(isRetryableTxError(sqlError('40P01'))).toBe(true);
    expect(isRetryableTxError(sqlError('23505'))).toBe(false);
    expect(isRetryableTxError(new Error('40001'))).toBe(false);
    expect(isRetryableTxError(null)).toBe(false);
    expect(isRetryableTxError('40001')).toBe(false);
  });
});

describe('withTxRetry', () => {
  it('runs again after a retryable failure and returns the first success', async () => {
    const seen: number[] = [];
    const value = await withTxRetry(async (attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw sqlError(attempt === 1 ? '40001' : '40P01');
      return 'done';
    });
    expect(value).toBe('done');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('passes other errors through at once', async () => {
    const unique = sqlError('23505');
    let calls = 0;
    await expect(
      withTxRetry(async () => {
        calls++;
        throw unique;
      }),
    ).rejects.toBe(unique);
    expect(calls).toBe(1);
  });

  it('gives up after the attempts with a retryable unavailable error that keeps the cause', async () => {
    const conflict = sqlError('40001');
    let calls = 0;
    const failure = await withTxRetry(
      async () => {
        calls++;
        throw conflict;
      },
      { attempts: 4 },
    ).catch((err: unknown) => err);
    expect(calls).toBe(4);
    expect(failure).toBeInstanceOf(ToolError);
    const error = failure as ToolError;
    expect(error.code).toBe('unavailable');
    expect(error.retryable).toBe(true);
    expect(error.deterministic).toBe(false);
    expect(error.details).toEqual({ sqlstate: '40001', attempts: 4 });
    expect(error.cause).toBe(conflict);
    expect(error.message).toMatch(/serialization failure.*4 attempts/);
  });

  it('defaults to five attempts', async () => {
    let calls = 0;
    await expect(
      withTxRetry(async () => {
        calls++;
        throw sqlError('40P01');
      }),
    ).rejects.toThrow(/deadlocked/);
    expect(calls).toBe(5);
  });

  it('stops waiting between attempts when the signal aborts, with its reason', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    let calls = 0;
    const pending = withTxRetry(
      async () => {
        calls++;
        controller.abort(reason);
        throw sqlError('40001');
      },
      { signal: controller.signal },
    );
    await expect(pending).rejects.toBe(reason);
    expect(calls).toBe(1);
  });
});

describe('withTxRetry and lost connections', () => {
  it('runs again only when the connection was lost before COMMIT, and keeps the error when it gives up', async () => {
    const lostBefore = databaseUnavailable(sqlError('57P01'));
    lostBefore.beforeCommit = true;
    let calls = 0;
    const failure = await withTxRetry(
      async () => {
        calls++;
        throw lostBefore;
      },
      { attempts: 3 },
    ).catch((err: unknown) => err);
    expect(calls).toBe(3);
    expect(failure).toBe(lostBefore);

    // Lost during COMMIT: the outcome is unknown, so the transaction must not run again.
    const lostDuringCommit = databaseUnavailable(sqlError('57P01'));
    calls = 0;
    await expect(
      withTxRetry(async () => {
        calls++;
        throw lostDuringCommit;
      }),
    ).rejects.toBe(lostDuringCommit);
    expect(calls).toBe(1);
  });
});
