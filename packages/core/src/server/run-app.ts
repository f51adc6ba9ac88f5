import { Console } from 'node:console';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { ConfigError, parseConfig, type AppFlags, type CoreConfigValues } from '../config.js';
import type { Database } from '../db/database.js';
import { loadMigrations } from '../db/migrate.js';
import { openDatabase, type OpenDatabaseOptions } from '../db/open.js';
import { startIdempotencyReaper } from '../idempotency/reaper.js';
import { createLogger, type Logger } from '../logging.js';
import type { AppDefinition } from './app.js';
import { createRuntime } from './create-runtime.js';
import { createBearerVerifier } from './auth.js';
import { createServerFactory } from './factory.js';
import { createPromMetrics } from './metrics.js';
import { runHttp } from './run-http-lazy.js';
import { runStdio } from './run-stdio.js';

export interface AppMain<Deps, C extends z.ZodObject> {
  app: AppDefinition<Deps>;
  /** The app's migrations directory (numbered .sql files). */
  migrations: URL;
  /** The app's own settings, parsed from the environment together with core's. */
  config: C;
  /** The app's own flags (`--ingest PATH`), each setting one of its config variables. */
  flags?: AppFlags;
  /** Extensions the embedded PGlite loads, for migrations that create them. */
  pgliteExtensions?: OpenDatabaseOptions['pgliteExtensions'];
  deps(context: { config: CoreConfigValues & z.output<C>; log: Logger }): Deps;
  /**
   * Work to finish before serving, chosen by the configuration (`--ingest PATH`); returning
   * undefined leaves the database unopened until first use.
   */
  atStart?(
    config: CoreConfigValues & z.output<C>,
  ): ((context: { db: Database; deps: Deps; log: Logger }) => Promise<void>) | undefined;
  /** Loads demo data when started with --seed-demo (must be idempotent). */
  seedDemo?(db: Database, deps: Deps): Promise<void>;
  /**
   * Starts the app's background jobs once its database is ready; returns what stops them. Jobs
   * must be safe to run in every replica at once (claim work with FOR UPDATE SKIP LOCKED).
   */
  startJobs?(context: { db: Database; deps: Deps; log: Logger }): () => void;
}

const DRAIN_MS = 10_000;

/** The whole CLI of an app: parse config, open the database, serve stdio or HTTP, drain on exit. */
export async function runApp<Deps, C extends z.ZodObject>(main: AppMain<Deps, C>): Promise<void> {
  const fail = (message: string): never => {
    process.stderr.write(`${main.app.name}-mcp: ${message}\n`);
    process.exit(2);
  };
  let config;
  try {
    config = parseConfig(main.config, main.flags ? { flags: main.flags } : {});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return fail(error.message);
  }
  const log = createLogger({ name: main.app.name, level: config.LOG_LEVEL });
  if (!config.HTTP) {
    // stdout is the protocol channel: anything a dependency prints, by any console method, goes to stderr.
    globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
  }
  // Settings that only make sense together are checked before anything is opened or loaded.
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(config.HOST);
  const authOn = Boolean(config.AUTH_JWT_SECRET || config.AUTH_JWKS_URL);
  if (config.HTTP) {
    if (authOn && !config.AUTH_AUDIENCE)
      fail('Invalid AUTH_AUDIENCE: required when AUTH_JWT_SECRET or AUTH_JWKS_URL is set');
    if (!authOn && !loopback && !config.INSECURE_NO_AUTH) {
      fail(
        `refusing to serve ${config.HOST} without auth: set AUTH_JWT_SECRET or AUTH_JWKS_URL (+ AUTH_AUDIENCE), or INSECURE_NO_AUTH=true`,
      );
    }
    if (!loopback && !config.ALLOWED_HOSTS)
      fail(`Invalid ALLOWED_HOSTS: required when binding ${config.HOST} (the hostnames clients use)`);
  }

  let stopBackground = () => {};
  const deps = main.deps({ config, log });
  const dataDir =
    config.BOUNDED_DATA_DIR ??
    join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'bounded', main.app.name);
  const metrics = config.HTTP ? await createPromMetrics(main.app.name) : undefined;
  const raw = openDatabase({
    url: config.DATABASE_URL,
    poolMax: config.DB_POOL_MAX,
    dataDir,
    log,
    ...(main.pgliteExtensions ? { pgliteExtensions: main.pgliteExtensions } : {}),
  });
  const runtime = createRuntime({
    app: main.app,
    db: raw,
    migrations: await loadMigrations(main.migrations),
    deps,
    log,
    maxConcurrentCalls: config.MAX_CONCURRENT_CALLS,
    ...(metrics ? { metrics } : {}),
    ...(config.CURSOR_SECRET ? { cursorSecret: config.CURSOR_SECRET } : {}),
    // Started with the database, not at boot: an idle stdio server never opens its database.
    onReady: (db) => {
      const stopKeys = startIdempotencyReaper(db, { intervalMs: 60 * 60_000, log });
      const stopJobs = main.startJobs?.({ db, deps, log }) ?? (() => {});
      stopBackground = () => {
        stopKeys();
        stopJobs();
      };
    },
    options: {
      readOnly: config.READ_ONLY,
      tools: config.TOOLS,
      toolTimeoutMs: config.TOOL_TIMEOUT_MS,
      idempotencyWaitMs: config.IDEMPOTENCY_WAIT_MS,
      leaseMs: config.IDEMPOTENCY_LEASE_MS,
      allowModelConfirmation: config.ALLOW_MODEL_CONFIRMATION,
      operator: config.OPERATOR,
    },
  });
  let factory: ReturnType<typeof createServerFactory>;
  try {
    // Checks every tool declaration and the --tools names before anything is served.
    factory = createServerFactory(runtime);
  } catch (error) {
    return fail((error as Error).message);
  }
  if (config.SEED_DEMO) {
    if (!main.seedDemo) fail('this server has no demo data (--seed-demo)');
    await runtime.ready();
    await main.seedDemo!(runtime.db, runtime.deps);
    log.info('demo data ready (loaded once; later starts leave existing data alone)');
  }
  const startTask = main.atStart?.(config);
  if (startTask) {
    await runtime.ready();
    await startTask({ db: runtime.db, deps: runtime.deps, log });
  }
  const closeDatabase = async () => {
    stopBackground();
    await runtime.db.close();
  };

  if (!config.HTTP) {
    const code = await runStdio(factory, { log, drainMs: DRAIN_MS, close: closeDatabase });
    process.exit(code);
  }

  // runHttp loads the HTTP stack, and createBearerVerifier jose, on first call: a stdio server
  // starts without either.
  const http = await runHttp(factory, {
    host: config.HOST,
    port: config.PORT,
    ...(config.ALLOWED_HOSTS ? { allowedHosts: config.ALLOWED_HOSTS } : {}),
    ...(config.ALLOWED_ORIGINS ? { allowedOrigins: config.ALLOWED_ORIGINS } : {}),
    ...(authOn
      ? {
          verifier: await createBearerVerifier({
            audience: config.AUTH_AUDIENCE!,
            ...(config.AUTH_JWT_SECRET ? { secret: config.AUTH_JWT_SECRET } : {}),
            ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : {}),
            ...(config.AUTH_ISSUER ? { issuer: config.AUTH_ISSUER } : {}),
          }),
        }
      : {}),
    realm: main.app.name,
    ...(authOn && config.AUTH_AUTHORIZATION_SERVERS
      ? {
          resourceMetadata: {
            resource: config.AUTH_AUDIENCE!,
            authorizationServers: config.AUTH_AUTHORIZATION_SERVERS,
            scopes: [...new Set(main.app.tools.flatMap((t) => t.scopes ?? []))],
          },
        }
      : {}),
    log,
    metrics: metrics!,
    ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
    ready: () => runtime.db.ping(),
  });
  process.stderr.write(
    `${main.app.name}-mcp: serving MCP on ${http.url}${authOn ? '' : ' (no auth: loopback only)'}\n`,
  );
  const stop = async (signal: string) => {
    log.info({ signal }, 'http server stopping');
    http.stopAccepting();
    stopBackground();
    if (!(await runtime.limiter.idle(DRAIN_MS))) {
      log.warn({ in_flight: runtime.limiter.active }, 'shutting down with calls still in flight');
    }
    await closeDatabase();
    await http.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
