import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A server process driven over raw stdio, for tests of the wire itself. */
export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  /** Every line the process wrote to stdout so far. */
  stdout: string[];
  /** Every line the process wrote to stderr so far. */
  stderr: string[];
  /** Writes one line (an object is JSON-encoded) to the process's stdin. */
  send(message: unknown): void;
  /** Resolves with the first stdout line (parsed) matching `predicate`, waiting up to `timeoutMs`. */
  waitForMessage(
    predicate: (message: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the first match of `pattern` in a stderr line (a log line, the listening URL). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
}

/** Spawns a server and collects its stdout and stderr by line. */
export function spawnServerProcess(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ServerProcess {
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout.push(line);
    notify();
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    notify();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  /** Resolves with what `find` returns once it returns something, re-checking on every new line. */
  function waitFor<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no ${what} within ${timeoutMs} ms; stdout: ${stdout.slice(-5).join(' | ')}; stderr: ${stderr.slice(-5).join(' | ')}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  }

  return {
    child,
    stdout,
    stderr,
    exited,
    send(message) {
      child.stdin.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
    },
    waitForMessage(predicate, timeoutMs = 15_000) {
      const find = () => {
        for (const line of stdout) {
          let parsed: Record<string, unknown>;
          try {
            parsed = JSON.parse(line) as Record<string, unknown>;
          } catch {
            continue; // Not JSON: the purity test reports such lines; here we only look for a match.
          }
          if (predicate(parsed)) return parsed;
        }
        return undefined;
      };
      return waitFor(find, timeoutMs, 'matching message');
    },
    waitForStderr(pattern, timeoutMs = 20_000) {
      const find = () => {
        for (const line of stderr) {
          const match = pattern.exec(line);
          if (match) return match;
        }
        return undefined;
      };
      return waitFor(find, timeoutMs, `stderr line matching ${pattern}`);
    },
  };
}
