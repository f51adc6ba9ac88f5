// Bundles an app's src/main.ts (with @bounded/core from source) into one ES module, dist/main.js.
// One file loads faster than hundreds of modules; PGlite stays external because it loads its
// WebAssembly and data files relative to its own package.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Bundles one entry point into one executable ES module file. */
export async function bundle(entry, outfile, { sourcemap = false } = {}) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@bounded/source'],
    external: ['@electric-sql/pglite', 'pg-native'],
    sourcemap: sourcemap ? 'linked' : false,
    legalComments: 'linked',
    banner: {
      // CommonJS dependencies (pg) call require(); give the ES module bundle one.
      js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const appDir = process.cwd();
  await bundle(join(appDir, 'src', 'main.ts'), join(appDir, 'dist', 'main.js'), { sourcemap: true });
}
