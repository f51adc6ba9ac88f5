import type { Logger } from 'pino';
import { coreMigrations } from '../db/core-migrations.js';
import type { Database } from '../db/database.js';
import { lazyDatabase } from '../db/lazy.js';
import { migrate, type Migration } from '../db/migrate.js';
import { createCursorCodec, type CursorCodec } from '../pagination/cursor.js';
import { loadCursorKey } from '../pagination/cursor-key.js';
import type { AppDefinition } from './app.js';
import { ConcurrencyLimiter } from './limiter.js';
import { noMetrics, type CallMetrics } from './metrics.js';
import type { Runtime, RuntimeOptions } from './runtime.js';

export interface RuntimeSetup<Deps> {
  app: AppDefinition<Deps>;
  db: Database;
  /** The app's own migrations (scope = app name); core's run first. */
  migrations: Migration[];
  deps: Deps;
  log: Logger;
  options: RuntimeOptions;
  maxConcurrentCalls?: number;
  /** Configured cursor signing key; otherwise one is generated once and kept in the database. */
  cursorSecret?: string;
  /** Where call counts and durations go; nothing by default. */
  metrics?: CallMetrics;
  /** Loads data once the database is migrated and before anything uses it (demo data); on failure the next use retries. */
  seed?: (db: Database) => Promise<void>;
  /** Runs once the database is open and migrated (background jobs start here, not at boot). */
  onReady?: (db: Database) => void;
}

/** Builds a runtime whose database is opened, migrated and keyed on first use. */
export function createRuntime<Deps>(setup: RuntimeSetup<Deps>): Runtime<Deps> {
  let codec: CursorCodec | undefined;
  const cursors: CursorCodec = {
    encode: (position, binding) => ready(codec).encode(position, binding),
    decode: (cursor, binding) => ready(codec).decode(cursor, binding),
  };
  const db = lazyDatabase(setup.db, async (inner) => {
    await migrate(inner, 'core', coreMigrations);
    await migrate(inner, setup.app.name, setup.migrations);
    codec = createCursorCodec({ key: await loadCursorKey(inner, setup.cursorSecret) });
    await setup.seed?.(inner);
    setup.log.debug({ backend: inner.kind }, 'database ready');
    setup.onReady?.(inner);
  });
  const max = setup.maxConcurrentCalls ?? 64;
  return {
    app: setup.app,
    db,
    ready: () => db.ready(),
    deps: setup.deps,
    log: setup.log,
    cursors,
    metrics: setup.metrics ?? noMetrics,
    limiter: new ConcurrencyLimiter(max, Math.min(setup.options.toolTimeoutMs, 5_000)),
    stopping: new AbortController(),
    options: setup.options,
  };
}

function ready(codec: CursorCodec | undefined): CursorCodec {
  if (!codec) throw new Error('cursors are used before the database is ready');
  return codec;
}
