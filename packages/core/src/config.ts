import { parseArgs } from 'node:util';
import { z } from 'zod';
import { LOG_LEVELS } from './logging.js';
import { parseConfiguredKey } from './pagination/cursor-key.js';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** Settings every Bounded server understands, from flags or the environment (flags win). */
export const CoreConfig = z.object({
  DATABASE_URL: z
    .string()
    .url()
    .optional()
    .describe('PostgreSQL URL; without it, embedded PGlite in BOUNDED_DATA_DIR'),
  BOUNDED_DATA_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('PGlite directory (default ~/.local/share/bounded/<app>)'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info').describe('pino level of the JSON log lines on stderr'),
  HTTP: bool
    .default(false)
    .describe('serve Streamable HTTP on /mcp (plus /healthz, /readyz, /metrics) instead of stdio'),
  HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('HTTP bind address; a non-loopback one needs auth (or INSECURE_NO_AUTH) and ALLOWED_HOSTS'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('HTTP port (only with --http)'),
  READ_ONLY: bool.default(false).describe('register read-only tools only'),
  TOOLS: list.optional().describe('register only these tools (comma-separated names)'),
  SEED_DEMO: bool
    .default(false)
    .describe("load the app's demo data (idempotent) when the database is first used"),
  OPERATOR: z
    .string()
    .min(1)
    .max(200)
    .default('operator')
    .describe('principal of stdio calls and of HTTP calls without auth'),
  CURSOR_SECRET: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      try {
        parseConfiguredKey(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .describe(
      'HMAC key for cursors (32+ bytes, base64 or hex; default: generated once, kept in the database)',
    ),
  TOOL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(60_000)
    .describe('per-call deadline, ms'),
  MAX_CONCURRENT_CALLS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(64)
    .describe('calls served at once; more wait briefly, then get rate_limited'),
  IDEMPOTENCY_WAIT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(10_000)
    .describe('how long a duplicate call waits for the original, ms'),
  IDEMPOTENCY_LEASE_MS: z.coerce
    .number()
    .int()
    .min(500)
    .max(3_600_000)
    .default(30_000)
    .describe('lease of a phased call, ms; after a crash a retry resumes once it lapses'),
  ALLOW_MODEL_CONFIRMATION: bool
    .default(false)
    .describe('let the model confirm destructive calls when the client cannot ask the person'),
  /** HTTP: give 2025-11-25 clients a session so they can be asked to confirm (sticky with replicas). */
  LEGACY_HTTP_SESSIONS: bool
    .default(false)
    .describe('HTTP: sessions for 2025-11-25 clients, so they can be asked to confirm (sticky routing)'),
  AUTH_JWT_SECRET: z.string().min(32).optional().describe('HS256 secret for bearer JWTs (HTTP)'),
  AUTH_JWKS_URL: z.string().url().optional().describe('JWKS URL for bearer JWTs (HTTP)'),
  AUTH_ISSUER: z.string().min(1).optional().describe('required JWT issuer'),
  AUTH_AUDIENCE: z
    .string()
    .min(1)
    .optional()
    .describe('required JWT audience (the URL of this server); needed with auth'),
  /** Let a token's `*` scope stand for every scope; off, `*` in a token grants nothing. */
  AUTH_ALLOW_WILDCARD_SCOPE: bool
    .default(false)
    .describe("let a token's * scope stand for every scope (off: * grants nothing)"),
  /** The MCP endpoint's public URL (https://host/mcp): the `resource` of the protected-resource metadata. */
  PUBLIC_URL: z
    .string()
    .url()
    .refine((v) => !v.includes('#'), { error: 'no fragment (RFC 8707)' })
    .optional()
    .describe("the MCP endpoint's public URL, the resource of the protected-resource metadata"),
  /** Authorization servers advertised in the protected-resource metadata (RFC 9728). */
  AUTH_AUTHORIZATION_SERVERS: list
    .optional()
    .describe('authorization servers advertised in OAuth protected-resource metadata'),
  ALLOWED_HOSTS: list.optional().describe('Host header allow-list (default: loopback names)'),
  ALLOWED_ORIGINS: list.optional().describe('Origin header allow-list (default: loopback origins)'),
  INSECURE_NO_AUTH: bool.default(false).describe('allow a non-loopback HOST without auth'),
  /** Bearer token that /metrics requires; without it /metrics is open (scrape it on a private network). */
  METRICS_TOKEN: z
    .string()
    .min(16)
    .regex(/^\S+$/, { error: 'no spaces or line breaks (a secret file with a trailing newline?)' })
    .optional()
    .describe('bearer token /metrics requires (16+ characters; default: /metrics is open)'),
  DB_POOL_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe('PostgreSQL connections per process'),
  /** How long a stopping server (SIGTERM, SIGINT, stdin closed) gives calls in flight before it exits. */
  DRAIN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(10_000)
    .describe('how long a stopping server gives calls in flight before it exits, ms'),
});
export type CoreConfigValues = z.output<typeof CoreConfig>;

/** An app's own flags: flag name → the environment variable it sets (boolean flags take no value). */
export type AppFlags = Readonly<Record<string, { env: string; type: 'boolean' | 'string' }>>;

/** Flag name → environment variable name. Boolean flags take no value. */
export const FLAGS: AppFlags = {
  http: { env: 'HTTP', type: 'boolean' },
  host: { env: 'HOST', type: 'string' },
  port: { env: 'PORT', type: 'string' },
  'read-only': { env: 'READ_ONLY', type: 'boolean' },
  tools: { env: 'TOOLS', type: 'string' },
  'seed-demo': { env: 'SEED_DEMO', type: 'boolean' },
  'log-level': { env: 'LOG_LEVEL', type: 'string' },
  'data-dir': { env: 'BOUNDED_DATA_DIR', type: 'string' },
  'database-url': { env: 'DATABASE_URL', type: 'string' },
  operator: { env: 'OPERATOR', type: 'string' },
  'insecure-no-auth': { env: 'INSECURE_NO_AUTH', type: 'boolean' },
};

/** A configuration problem, reported as one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses flags and environment against the core schema merged with an app's own schema.
 * Throws ConfigError with one line naming the offending variable or flag.
 */
export function parseConfig<A extends z.ZodObject>(
  appSchema: A,
  options: { argv?: string[]; env?: NodeJS.ProcessEnv; flags?: AppFlags } = {},
): CoreConfigValues & z.output<A> {
  const env = { ...(options.env ?? process.env) };
  // An app's flags never redefine core's.
  const flags: AppFlags = { ...options.flags, ...FLAGS };
  let parsed;
  try {
    parsed = parseArgs({
      args: options.argv ?? process.argv.slice(2),
      options: Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, { type: f.type }])),
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new ConfigError(
      `${(error as Error).message}. Known flags: ${Object.keys(flags)
        .map((f) => `--${f}`)
        .join(' ')} (--help lists them with their environment variables)`,
    );
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    const flag = flags[name]!;
    env[flag.env] = typeof value === 'boolean' ? String(value) : value;
  }
  const schema = CoreConfig.extend(appSchema.shape).refine((c) => !(c.AUTH_JWT_SECRET && c.AUTH_JWKS_URL), {
    message: 'set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both',
    path: ['AUTH_JWT_SECRET'],
  });
  const result = schema.safeParse(env);
  if (!result.success) throw configError(result.error, flags);
  // Extending by shape drops the app schema's own refinements (settings that only make sense
  // together): they are checked against the same input once every variable is valid on its own.
  const app = appSchema.safeParse(env);
  if (!app.success) throw configError(app.error, flags);
  return result.data as CoreConfigValues & z.output<A>;
}

function configError(error: z.ZodError, flags: AppFlags): ConfigError {
  const issue = error.issues[0]!;
  const variable = String(issue.path[0] ?? 'configuration');
  const flag = Object.entries(flags).find(([, f]) => f.env === variable)?.[0];
  const where = flag ? `${variable} (--${flag})` : variable;
  return new ConfigError(`Invalid ${where}: ${issue.message}`);
}
