import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests (the
// "@bounded/source" export condition), so tests never run against stale builds.
// Only conditions that are safe for Node's own resolver too: vitest hands them to the workers, and
// an 'import' condition there would make CommonJS packages (pg) require ES module builds.
const conditions = ['@bounded/source', 'node', 'development|production'];

// The packaging tests (core packed and installed from the registry, the scaffolder) run once per CI
// run, through `pnpm test:packaging`; their fixtures are projects of their own, never tests here.
const packaging = process.env.BOUNDED_PACKAGING_TESTS === '1';
const excluded = ['**/node_modules/**', '**/dist/**', '**/test/packaging/fixtures/**'];
if (!packaging) excluded.push('**/test/packaging/**');

const projectDirs = ['packages', 'apps'].flatMap((group) =>
  readdirSync(group, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${group}/${entry.name}`),
);

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@bounded/source'] } },
  test: {
    projects: projectDirs.map((dir) => ({
      extends: true,
      test: {
        name: dir.split('/')[1],
        root: dir,
        include: ['**/*.test.ts'],
        exclude: excluded,
      },
    })),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
