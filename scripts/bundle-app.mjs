// Bundles an app's src/main.ts (with @bounded/core from source) into dist/main.js plus chunks.
// One entry file loads faster than hundreds of modules. What is only imported dynamically (the
// HTTP stack, pg, prom-client, jose) goes to its own chunk, so a stdio server neither reads nor
// compiles it, nor loads the Node built-ins it needs. PGlite and its pgvector build stay external
// because they load their WebAssembly and data files relative to their own packages.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Bundles one entry point into `outdir`: an executable ES module `main.js` and its chunks. */
export async function bundle(entry, outdir, { sourcemap = false } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  // The chunks are ES modules wherever the directory is copied to (the container image).
  writeFileSync(join(outdir, 'package.json'), '{ "type": "module" }\n');
  await build({
    entryPoints: { main: entry },
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@bounded/source'],
    external: ['@electric-sql/pglite', '@electric-sql/pglite-pgvector', 'pg-native'],
    sourcemap: sourcemap ? 'linked' : false,
    legalComments: 'linked',
    banner: {
      // CommonJS dependencies (pg) call require(); give the ES module bundle one.
      js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  chmodSync(join(outdir, 'main.js'), 0o755);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const appDir = process.cwd();
  await bundle(join(appDir, 'src', 'main.ts'), join(appDir, 'dist'), { sourcemap: true });
}
