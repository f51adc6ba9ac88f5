import { expect, it } from 'vitest';
import { importPeer } from '../src/testing/import-peer.js';

it('names the package to install when an optional peer of the testing kit is missing', async () => {
  const missing = '@bounded/not-installed-peer';
  await expect(importPeer(missing, () => import(missing))).rejects.toThrow(
    `@bounded/core/testing needs ${missing} for this call: install it as a dev dependency (npm install -D ${missing}).`,
  );
});

it('passes other failures through unchanged', async () => {
  const broken = new Error('the module threw while loading');
  await expect(importPeer('@modelcontextprotocol/client', () => Promise.reject(broken))).rejects.toBe(broken);
});

it('returns the module when it is installed', async () => {
  const { Client } = await importPeer(
    '@modelcontextprotocol/client',
    () => import('@modelcontextprotocol/client'),
  );
  expect(typeof Client).toBe('function');
});
