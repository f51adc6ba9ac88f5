import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';

const AppSchema = z.object({
  NOTES_SANDBOX: z.enum(['true', 'false']).optional(),
  NOTES_NAME: z.string().optional(),
});
const flags = {
  sandbox: { env: 'NOTES_SANDBOX', type: 'boolean' },
  name: { env: 'NOTES_NAME', type: 'string' },
} as const;

describe('parseConfig with app flags', () => {
  it("sets the app's variables from its own flags, next to core's", () => {
    const config = parseConfig(AppSchema, {
      argv: ['--sandbox', '--name', 'x', '--read-only'],
      env: {},
      flags,
    });
    expect(config).toMatchObject({ NOTES_SANDBOX: 'true', NOTES_NAME: 'x', READ_ONLY: true });
  });

  it('lets a flag win over the environment', () => {
    const config = parseConfig(AppSchema, { argv: ['--name', 'flag'], env: { NOTES_NAME: 'env' }, flags });
    expect(config.NOTES_NAME).toBe('flag');
  });

  it("refuses an app's flag when the app did not declare it, listing the known ones", () => {
    expect(() => parseConfig(AppSchema, { argv: ['--sandbox'], env: {} })).toThrow(ConfigError);
    try {
      parseConfig(AppSchema, { argv: ['--sandbox'], env: {} });
    } catch (error) {
      expect((error as Error).message).toMatch(/--sandbox/);
      expect((error as Error).message).not.toMatch(/Known flags:.*--sandbox/);
    }
  });

  it('names the flag of an app variable with a bad value', () => {
    const Strict = z.object({ NOTES_NAME: z.string().min(3) });
    expect(() => parseConfig(Strict, { argv: ['--name', 'x'], env: {}, flags })).toThrow(
      /NOTES_NAME \(--name\)/,
    );
  });
});

it("never lets an app's flag redefine one of core's", () => {
  const Schema = z.object({ NOTES_READ_ONLY: z.string().optional() });
  const config = parseConfig(Schema, {
    argv: ['--read-only'],
    env: {},
    flags: { 'read-only': { env: 'NOTES_READ_ONLY', type: 'boolean' } },
  });
  expect(config.READ_ONLY).toBe(true);
  expect(config.NOTES_READ_ONLY).toBeUndefined();
});

it("checks the app schema's own refinements, naming the variable", () => {
  const Paired = z
    .object({ NOTES_URL: z.string().optional(), NOTES_MODEL: z.string().optional() })
    .refine((c) => (c.NOTES_URL === undefined) === (c.NOTES_MODEL === undefined), {
      message: 'NOTES_URL and NOTES_MODEL go together',
      path: ['NOTES_MODEL'],
    });
  expect(() => parseConfig(Paired, { argv: [], env: { NOTES_URL: 'http://x' } })).toThrow(
    /^Invalid NOTES_MODEL: NOTES_URL and NOTES_MODEL go together$/,
  );
  expect(parseConfig(Paired, { argv: [], env: { NOTES_URL: 'u', NOTES_MODEL: 'm' } }).NOTES_MODEL).toBe('m');
});
