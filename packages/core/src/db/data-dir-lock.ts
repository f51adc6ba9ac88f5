import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/*
 * PGlite is a single-process database: two processes on one data directory each keep their own
 * buffers and overwrite each other's pages, and committed writes vanish. So a process takes the
 * directory for itself with a lock file naming its pid.
 *
 * Why not proper-lockfile: its staleness is an mtime refreshed by a timer, and PGlite runs every
 * statement synchronously on the main thread (initdb alone blocks it for seconds), so a busy owner
 * would look stale and lose the lock to a second process: the very corruption this prevents. A
 * pid (with its start time, on Linux) says exactly whether the owner is alive, and a crashed
 * owner's lock is taken over at once.
 */

/** The lock file's name inside a data directory. */
export const LOCK_FILE = 'bounded.lock';

/** Who holds a data directory. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Linux boot id: a lock from before a reboot is stale whatever its pid. */
  boot: string | undefined;
  /** Tells this process's own lock from a stale one left by an earlier process with the same pid. */
  nonce: string;
  /** When the process started (Linux): a live process under the same pid that started later is not the owner. */
  started?: string | undefined;
  since: string;
}

/** The data directory is held by a live process (or, when `owner` is undefined, by an unreadable lock file). */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner | undefined,
  ) {
    const lockPath = join(dataDir, LOCK_FILE);
    const who = !owner
      ? `another process (its lock file ${lockPath} is unreadable; delete it if no server uses the directory)`
      : owner.pid === process.pid && owner.host === hostname()
        ? 'this process already'
        : owner.host === hostname()
          ? `another process (pid ${owner.pid}, since ${owner.since})`
          : `a process on ${owner.host} (pid ${owner.pid}; if it is gone, delete ${lockPath})`;
    super(
      `the embedded database in ${dataDir} is in use by ${who}, and it serves one process at a time: ` +
        'stop that process, or give this one its own database with DATABASE_URL (PostgreSQL, shared by any number of processes) or another BOUNDED_DATA_DIR',
    );
  }
}

/** Held locks of this process (path → nonce), released when the process exits however it exits. */
const held = new Map<string, string>();
let exitHookInstalled = false;

/**
 * Takes `dataDir` for this process, creating the directory when missing; throws DataDirLockedError
 * while a live process holds it. A lock whose process is gone (or from before a reboot) is taken over.
 */
export function lockDataDir(dataDir: string): { release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const mine: LockOwner = {
    pid: process.pid,
    host: hostname(),
    boot: bootId(),
    nonce: randomUUID(),
    started: processStart(process.pid),
    since: new Date().toISOString(),
  };
  const text = `${JSON.stringify(mine)}\n`;
  // Each round either takes the lock, finds a live owner, or clears a stale lock and tries again.
  for (let round = 0; round < 10; round += 1) {
    if (tryCreate(path, text)) {
      held.set(path, mine.nonce);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.once('exit', () => {
          for (const [lockPath, nonce] of held) releaseLock(lockPath, nonce);
        });
      }
      return { release: () => releaseLock(path, mine.nonce) };
    }
    const found = readLock(path);
    if (found === undefined) continue; // released meanwhile
    const owner = parseOwner(found);
    if (!owner || isLive(path, owner)) throw new DataDirLockedError(dataDir, owner);
    clearStale(path, found);
  }
  throw new Error(`could not lock ${dataDir}: its lock file ${path} keeps changing hands`);
}

/** Creates the lock file with its content in one step: a reader never sees it empty. */
function tryCreate(path: string, text: string): boolean {
  const draft = `${path}.${process.pid}.${randomUUID()}`;
  writeFileSync(draft, text, { flag: 'wx' });
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(draft);
  }
}

function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? (owner as LockOwner) : undefined;
  } catch {
    return undefined; // not our format: reported as an unreadable lock, never taken over
  }
}

function isLive(path: string, owner: LockOwner): boolean {
  // On another machine (a shared file system) nothing here can tell: it stays held.
  if (owner.host !== hostname()) return true;
  const boot = bootId();
  if (owner.boot && boot && owner.boot !== boot) return false;
  // Our own pid is live only if this very process took the lock: a container restarts its server
  // under the same pid, and the lock the previous run left behind is stale.
  if (owner.pid === process.pid) return held.get(path) === owner.nonce;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false; // EPERM: alive, someone else's
  }
  // Pids are reused: after a crash the owner's pid may belong to an unrelated process (a restarted
  // container runs the same programs again), which would keep the directory locked for good.
  const started = owner.started && processStart(owner.pid);
  return !started || started === owner.started;
}

/** When process `pid` started, in clock ticks since boot (/proc/<pid>/stat field 22); undefined off Linux. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; field 3 follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Removes the stale lock `staleText`, and only it: the file is first moved aside atomically, so of
 * two processes clearing the same stale lock one moves it and the other finds it gone; if what was
 * moved turns out to be a fresh lock someone just took, it is put back.
 */
function clearStale(path: string, staleText: string): void {
  const aside = `${path}.stale.${process.pid}.${randomUUID()}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') !== staleText) linkSync(aside, path);
  } catch (error) {
    // A third process took the lock while it was aside: the next round finds that owner.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(aside);
  }
}

function releaseLock(path: string, nonce: string): void {
  if (held.get(path) !== nonce) return;
  held.delete(path);
  const found = readLock(path);
  if (found !== undefined && parseOwner(found)?.nonce === nonce) unlinkSync(path);
}

let boot: string | undefined | null = null;
function bootId(): string | undefined {
  if (boot === null) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      boot = undefined; // not Linux: staleness rests on the pid alone
    }
  }
  return boot;
}
