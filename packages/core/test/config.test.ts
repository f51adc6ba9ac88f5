import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseConfig } from '../src/config.js';

const AppSchema = z.object({ KB_INGEST: z.string().min(1).optional() });
const flags = { ingest: { env: 'KB_INGEST', type: 'string' } } as const;

describe('parseConfig with app flags', () => {
  it("sets the app's variable from its flag, and the flag wins over the environment", () => {
    const config = parseConfig(AppSchema, {
      argv: ['--ingest', './docs', '--read-only'],
      env: { KB_INGEST: './other' },
      flags,
    });
    expect(config.KB_INGEST).toBe('./docs');
    expect(config.READ_ONLY).toBe(true);
  });

  it('refuses a flag the app did not declare, naming the known ones', () => {
    expect(() => parseConfig(AppSchema, { argv: ['--ingest', './docs'], env: {} })).toThrow(ConfigError);
    expect(() => parseConfig(AppSchema, { argv: ['--nope'], env: {}, flags })).toThrow(/--ingest/);
  });

  it('names the flag of a bad app value', () => {
    expect(() => parseConfig(AppSchema, { argv: ['--ingest', ''], env: {}, flags })).toThrow(
      'Invalid KB_INGEST (--ingest)',
    );
  });
});
