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
  DATABASE_URL: z.string().url().optional(),
  BOUNDED_DATA_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  HTTP: bool.default(false),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  READ_ONLY: bool.default(false),
  TOOLS: list.optional(),
  SEED_DEMO: bool.default(false),
  OPERATOR: z.string().min(1).max(200).default('operator'),
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
    }),
  TOOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  MAX_CONCURRENT_CALLS: z.coerce.number().int().min(1).max(10_000).default(64),
  IDEMPOTENCY_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  IDEMPOTENCY_LEASE_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
  ALLOW_MODEL_CONFIRMATION: bool.default(false),
  AUTH_JWT_SECRET: z.string().min(32).optional(),
  AUTH_JWKS_URL: z.string().url().optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  /** Authorization servers advertised in the protected-resource metadata (RFC 9728). */
  AUTH_AUTHORIZATION_SERVERS: list.optional(),
  ALLOWED_HOSTS: list.optional(),
  ALLOWED_ORIGINS: list.optional(),
  INSECURE_NO_AUTH: bool.default(false),
  /** Bearer token that /metrics requires; without it /metrics is open (scrape it on a private network). */
  METRICS_TOKEN: z
    .string()
    .min(16)
    .regex(/^\S+$/, { error: 'no spaces or line breaks (a secret file with a trailing newline?)' })
    .optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
});
export type CoreConfigValues = z.output<typeof CoreConfig>;

/** An app's own command-line flags: flag name → the environment variable it sets. Boolean flags take no value. */
export type AppFlags = Record<string, { env: string; type: 'boolean' | 'string' }>;

// Flag name → environment variable name. Boolean flags take no value.
const FLAGS: AppFlags = {
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
        .join(' ')}`,
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
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'configuration');
    const flag = Object.entries(flags).find(([, f]) => f.env === variable)?.[0];
    const where = flag ? `${variable} (--${flag})` : variable;
    throw new ConfigError(`Invalid ${where}: ${issue.message}`);
  }
  return result.data as CoreConfigValues & z.output<A>;
}
