import { Console } from 'node:console';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { helpText } from '../cli-help.js';
import { ConfigError, parseConfig, type AppFlags, type CoreConfigValues } from '../config.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import type { Database } from '../db/database.js';
import { loadMigrations } from '../db/migrate.js';
import { openDatabase, type OpenDatabaseOptions } from '../db/open.js';
import { startIdempotencyReaper } from '../idempotency/reaper.js';
import { createLogger, type Logger } from '../logging.js';
import type { AppDefinition } from './app.js';
import { createRuntime } from './create-runtime.js';
import { createBearerVerifier } from './auth.js';
import { drainHttp } from './drain-http.js';
import { createServerFactory } from './factory.js';
import { appScopes } from './principal.js';
import { createPromMetrics } from './metrics.js';
import { runHttp } from './run-http-lazy.js';
import { runStdio } from './run-stdio.js';

export interface AppMain<Deps, C extends z.ZodObject> {
  app: AppDefinition<Deps>;
  /** The app's migrations directory (numbered .sql files). */
  migrations: URL;
  /** The app's own settings, parsed from the environment together with core's. */
  config: C;
  /** The app's own command-line flags, each setting an environment variable of `config` (`--sandbox` → `CLOUD_OPS_SANDBOX`). */
  flags?: AppFlags;
  /**
   * Extensions the embedded PGlite loads, for migrations that create them; a function of the
   * configuration when some are needed only by features the operator turned on (each costs open time).
   */
  pgliteExtensions?:
    | OpenDatabaseOptions['pgliteExtensions']
    | ((config: CoreConfigValues & z.output<C>) => OpenDatabaseOptions['pgliteExtensions']);
  deps(context: { config: CoreConfigValues & z.output<C>; log: Logger; dataDir: string }): Deps;
  /**
   * Work chosen by the configuration (`--ingest PATH`) that runs once the database is open, after
   * the demo seed; it starts at once in the background, and tool calls wait for it.
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

/** The whole CLI of an app: parse config, open the database, serve stdio or HTTP, drain on exit. */
export async function runApp<Deps, C extends z.ZodObject>(main: AppMain<Deps, C>): Promise<void> {
  const fail = (message: string): never => {
    process.stderr.write(`${main.app.name}-mcp: ${message}\n`);
    process.exit(2);
  };
  const argv = process.argv.slice(2);
  // No protocol is spoken yet, so these answers go to stdout, like any CLI's.
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText(main.app, main.config, main.flags));
    process.exit(0);
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${main.app.name}-mcp ${main.app.version}\n`);
    process.exit(0);
  }
  let config;
  try {
    config = parseConfig(main.config, { argv, ...(main.flags ? { flags: main.flags } : {}) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return fail(error.message);
  }
  const log = createLogger({ name: main.app.name, level: config.LOG_LEVEL });
  const httpOnly = argv.filter((a) => /^--(port|host)(=|$)/.test(a)).map((a) => a.split('=')[0]);
  if (!config.HTTP && httpOnly.length > 0) {
    process.stderr.write(
      `${main.app.name}-mcp: warning: ${httpOnly.join(' and ')} ${httpOnly.length > 1 ? 'only apply' : 'only applies'} with --http; serving stdio\n`,
    );
  }
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
    if (config.AUTH_JWKS_URL && !config.AUTH_ISSUER)
      fail('Invalid AUTH_ISSUER: required with AUTH_JWKS_URL (the issuer whose keys those are)');
    if (!authOn && !loopback && !config.INSECURE_NO_AUTH) {
      fail(
        `refusing to serve ${config.HOST} without auth: set AUTH_JWT_SECRET or AUTH_JWKS_URL (+ AUTH_AUDIENCE), or INSECURE_NO_AUTH=true`,
      );
    }
    if (!loopback && !config.ALLOWED_HOSTS)
      fail(`Invalid ALLOWED_HOSTS: required when binding ${config.HOST} (the hostnames clients use)`);
  }

  let stopBackground = () => {};
  const dataDir =
    config.BOUNDED_DATA_DIR ??
    join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'bounded', main.app.name);
  const deps = main.deps({ config, log, dataDir });
  const metrics = config.HTTP ? await createPromMetrics(main.app.name) : undefined;
  const seedDemo = main.seedDemo;
  if (config.SEED_DEMO && !seedDemo) fail('this server has no demo data (--seed-demo)');
  // A deployment that left the migrations behind would otherwise start, then fail every call.
  if (!existsSync(main.migrations)) {
    fail(
      `migrations directory ${fileURLToPath(main.migrations)} not found: ship it beside the server's dist/`,
    );
  }
  const pgliteExtensions =
    typeof main.pgliteExtensions === 'function' ? main.pgliteExtensions(config) : main.pgliteExtensions;
  let raw: Database;
  try {
    raw = openDatabase({
      url: config.DATABASE_URL,
      poolMax: config.DB_POOL_MAX,
      dataDir,
      log,
      ...(pgliteExtensions ? { pgliteExtensions } : {}),
    });
  } catch (error) {
    // Before anything is served: a host sees the server exit at once, with the reason on stderr.
    if (!(error instanceof DataDirLockedError)) throw error;
    return fail(error.message);
  }
  const startTask = main.atStart?.(config);
  // Run with the database, on first use: the handshake and tools/list never wait for them
  // (a fresh seed takes seconds, and hosts time the handshake out).
  const seedWork: ((db: Database) => Promise<void>)[] = [];
  if (config.SEED_DEMO && seedDemo) {
    seedWork.push(async (db) => {
      log.info('loading demo data');
      await seedDemo(db, deps);
      log.info('demo data ready (loaded once; later starts leave existing data alone)');
    });
  }
  if (startTask) seedWork.push((db) => startTask({ db, deps, log }));
  const runtime = createRuntime({
    app: main.app,
    db: raw,
    migrations: await loadMigrations(main.migrations),
    deps,
    log,
    maxConcurrentCalls: config.MAX_CONCURRENT_CALLS,
    ...(metrics ? { metrics } : {}),
    ...(config.CURSOR_SECRET ? { cursorSecret: config.CURSOR_SECRET } : {}),
    ...(seedWork.length > 0
      ? {
          seed: async (db: Database) => {
            for (const work of seedWork) await work(db);
          },
        }
      : {}),
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
      allowWildcardScope: config.AUTH_ALLOW_WILDCARD_SCOPE,
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
  if (startTask) {
    // Nobody should wait on a handshake for a folder to load: it starts now, and calls wait for it.
    runtime
      .ready()
      .catch((error: unknown) => log.error({ err: error }, 'start-up task failed; the next call retries'));
  }
  const closeDatabase = async () => {
    stopBackground();
    await runtime.db.close();
  };

  if (!config.HTTP) {
    const code = await runStdio(factory, { log, drainMs: config.DRAIN_TIMEOUT_MS, close: closeDatabase });
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
            ...(config.PUBLIC_URL ? { resource: config.PUBLIC_URL } : {}),
            authorizationServers: config.AUTH_AUTHORIZATION_SERVERS,
            scopes: appScopes(main.app),
          },
        }
      : {}),
    ...(config.LEGACY_HTTP_SESSIONS ? { legacySessions: { idleMs: 30 * 60_000, maxSessions: 10_000 } } : {}),
    log,
    metrics: metrics!,
    ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
    ready: () => runtime.db.ping(),
  });
  const exposure = authOn
    ? ''
    : loopback
      ? ' (no auth: loopback only)'
      : ' (NO AUTH: INSECURE_NO_AUTH=true, anyone who can reach this address may call every tool)';
  process.stderr.write(`${main.app.name}-mcp: serving MCP on ${http.url}${exposure}\n`);
  // Over HTTP nobody waits on a handshake: open the database and load the demo now, while serving.
  if (config.SEED_DEMO) {
    runtime
      .ready()
      .catch((error: unknown) =>
        log.error({ err: error }, 'loading demo data failed; the next call retries'),
      );
  }
  const stop = async (signal: string) => {
    log.info({ signal, drain_ms: config.DRAIN_TIMEOUT_MS }, 'http server stopping');
    await drainHttp({ http, runtime, drainMs: config.DRAIN_TIMEOUT_MS, log, closeDatabase });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
