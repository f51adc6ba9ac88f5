import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE } from '../src/db/data-dir-lock.js';
import { createPgliteDatabase } from '../src/db/pglite.js';
import { pgliteTemplate, spawnServerProcess, type ServerProcess } from '../src/testing/index.js';
import { CORE_DIR, NOTES_NODE_ARGS } from './support/notes-process.js';

let root: string;
let template: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bounded-lock-'));
  template = await pgliteTemplate();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A fresh, initialised data directory (a copy of the template). */
function freshDataDir(name: string): string {
  const dir = join(root, name);
  cpSync(template, dir, { recursive: true });
  return dir;
}

function writeLock(dataDir: string, pid: number, host = hostname(), started?: string): void {
  const owner = { pid, host, boot: undefined, nonce: 'n', started, since: '2026-01-01T00:00:00.000Z' };
  writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify(owner));
}

describe('the data directory lock, in one process', () => {
  it('refuses a second database on a directory until the first is closed', async () => {
    const dataDir = freshDataDir('twice');
    const first = createPgliteDatabase({ dataDir });
    await first.query('CREATE TABLE kept (n int)');
    await first.query('INSERT INTO kept VALUES (1)');
    expect(() => createPgliteDatabase({ dataDir })).toThrow(DataDirLockedError);
    expect(() => createPgliteDatabase({ dataDir })).toThrow(/this process already/);
    await first.close();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const second = createPgliteDatabase({ dataDir });
    try {
      expect((await second.query<{ n: number }>('SELECT n FROM kept')).rows).toEqual([{ n: 1 }]);
    } finally {
      await second.close();
    }
  });

  it('takes over a lock whose process is gone', async () => {
    const dataDir = freshDataDir('stale');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeLock(dataDir, Number(gone.stdout.toString()));
    const db = createPgliteDatabase({ dataDir });
    try {
      expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
      await db.ping();
    } finally {
      await db.close();
    }
  });

  it('takes over a lock carrying its own pid that it never took (a restarted container)', async () => {
    const dataDir = freshDataDir('own-pid');
    writeLock(dataDir, process.pid);
    const db = createPgliteDatabase({ dataDir });
    await db.close();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('refuses while the owner lives, naming the directory and both ways out', async () => {
    const dataDir = freshDataDir('live');
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeLock(dataDir, owner.pid!);
      let error: unknown;
      try {
        createPgliteDatabase({ dataDir });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DataDirLockedError);
      const message = (error as Error).message;
      expect(message).toContain(dataDir);
      expect(message).toContain(`pid ${owner.pid}`);
      expect(message).toMatch(/DATABASE_URL.*BOUNDED_DATA_DIR/);
      expect(message).not.toContain('\n');
      // The refused process changed nothing: the owner's lock is as it was.
      expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: owner.pid });
    } finally {
      owner.kill();
    }
  });

  it.runIf(existsSync('/proc/self/stat'))(
    'takes over a lock whose pid now belongs to a process that started later (a reused pid)',
    async () => {
      const dataDir = freshDataDir('reused-pid');
      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      try {
        // The crashed owner had this pid and started at tick 1, long before the live process did.
        writeLock(dataDir, other.pid!, hostname(), '1');
        const db = createPgliteDatabase({ dataDir });
        await db.close();
        expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
        // The same live process, recorded with its real start, still holds the directory.
        const stat = readFileSync(`/proc/${other.pid}/stat`, 'utf8');
        writeLock(dataDir, other.pid!, hostname(), stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
        expect(() => createPgliteDatabase({ dataDir })).toThrow(DataDirLockedError);
      } finally {
        other.kill();
      }
    },
  );

  it('treats a lock from another host as held: nothing here can tell whether it lives', () => {
    const dataDir = freshDataDir('other-host');
    writeLock(dataDir, 1, 'elsewhere.example');
    expect(() => createPgliteDatabase({ dataDir })).toThrow(/on elsewhere\.example.*delete/);
  });
});

describe('the data directory lock, across server processes', () => {
  const env = (dataDir: string) => ({ BOUNDED_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
  const spawnNotes = (dataDir: string): ServerProcess =>
    spawnServerProcess(process.execPath, NOTES_NODE_ARGS, { cwd: CORE_DIR, env: env(dataDir) });

  /** Opens a 2025-era session on first use (the reply to initialize has id 0), then adds a note. */
  async function addNote(server: ServerProcess, id: number, title: string): Promise<Record<string, unknown>> {
    if (!server.stdout.some((line) => line.includes('"id":0'))) {
      server.send({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'lock', version: '0' },
        },
      });
      await server.waitForMessage((m) => m.id === 0, 30_000);
      server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    }
    server.send({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'add_note', arguments: { title, body: 'b', idempotency_key: `lock-test-${title}` } },
    });
    return server.waitForMessage((m) => m.id === id, 30_000);
  }

  it('a second server on the same directory exits at start with one line; the first keeps its writes', async () => {
    const dataDir = freshDataDir('two-servers');
    const first = spawnNotes(dataDir);
    try {
      // The first server holds the directory from start-up, before any call.
      await first.waitForStderr(/embedded PGlite database in/);
      const second = spawnNotes(dataDir);
      expect(await second.exited).toBe(2);
      expect(second.stdout).toEqual([]);
      expect(second.stderr).toHaveLength(1);
      expect(second.stderr[0]).toContain(dataDir);
      expect(second.stderr[0]).toMatch(/in use by another process \(pid \d+.*DATABASE_URL.*BOUNDED_DATA_DIR/);

      const reply = await addNote(first, 1, 'kept');
      expect(reply).toMatchObject({ result: { structuredContent: { note: { title: 'kept' } } } });
      first.child.stdin.end();
      expect(await first.exited).toBe(0);
    } finally {
      first.child.kill();
    }
    // Released on exit: the next server opens the directory and finds the first one's note.
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const third = spawnNotes(dataDir);
    try {
      const replay = await addNote(third, 1, 'kept');
      expect(replay).toMatchObject({ result: { structuredContent: { replayed: true } } });
    } finally {
      third.child.stdin.end();
      await third.exited;
    }
  }, 90_000);

  it('a server killed without cleanup leaves a lock the next server takes over', async () => {
    const dataDir = freshDataDir('killed');
    const first = spawnNotes(dataDir);
    await first.waitForStderr(/embedded PGlite database in/);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);
    const next = spawnNotes(dataDir);
    try {
      const reply = await addNote(next, 1, 'after-crash');
      expect(reply).toMatchObject({ result: { structuredContent: { note: { title: 'after-crash' } } } });
    } finally {
      next.child.stdin.end();
      await next.exited;
    }
  }, 90_000);
});
