import type { z } from 'zod';
import { CoreConfig, FLAGS, type AppFlags } from './config.js';

/** The `--help` text of an app's binary: every setting of the config schema, its flag, default and meaning. */
export function helpText(
  app: { name: string; version: string },
  appSchema: z.ZodObject,
  appFlags: AppFlags = {},
): string {
  const bin = `${app.name}-mcp`;
  const shape: Record<string, z.ZodType> = { ...CoreConfig.shape, ...appSchema.shape };
  const settings = Object.entries(shape).map(([variable, schema]) => {
    const flag = Object.entries({ ...FLAGS, ...appFlags }).find(([, f]) => f.env === variable);
    const fallback = defaultOf(schema);
    const head = [
      variable,
      flag ? `--${flag[0]}${flag[1].type === 'string' ? ' <value>' : ''}` : undefined,
      fallback === undefined ? undefined : `default ${fallback}`,
    ]
      .filter(Boolean)
      .join('   ');
    return `  ${head}\n      ${schema.description ?? ''}`.trimEnd();
  });
  return [
    `${bin} ${app.version}: the ${app.name} MCP server. Speaks MCP over stdio (the default, for hosts`,
    'that spawn it) or Streamable HTTP (--http).',
    '',
    `Usage: ${bin} [flags]`,
    '',
    '  -h, --help    print this help and exit',
    '  --version     print the version and exit',
    '',
    'Settings: an environment variable, its flag if it has one (flags win), its default:',
    ...settings,
    '',
  ].join('\n');
}

/** A schema's default as text, looking through optional, pipe and transform wrappers. */
function defaultOf(schema: z.ZodType): string | undefined {
  const def = schema.def as { type: string; defaultValue?: unknown; innerType?: z.ZodType; in?: z.ZodType };
  if (def.type === 'default') return String(def.defaultValue);
  const inner = def.innerType ?? def.in;
  return inner ? defaultOf(inner) : undefined;
}
