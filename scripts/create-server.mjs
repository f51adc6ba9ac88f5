// Writes a new app, apps/<name>, in the house shape (main, server, one tool, one migration, one
// test, README, Dockerfile) from create-server/template. Usage: pnpm create-server <name>
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TEMPLATE = fileURLToPath(new URL('create-server/template/', import.meta.url));
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** The words that stand in the template for the new app's names and the repository's versions. */
function replacements(root, name) {
  const manifest = (path) => JSON.parse(readFileSync(join(root, path), 'utf8'));
  const core = manifest('packages/core/package.json');
  const words = name.split('-');
  const camel = words.map((word, i) => (i === 0 ? word : word[0].toUpperCase() + word.slice(1))).join('');
  return {
    __name__: name,
    __camel__: camel,
    __title__: words.join(' ').replace(/^./, (c) => c.toUpperCase()),
    __pnpm__: manifest('package.json').packageManager,
    __pglite_range__: core.dependencies['@electric-sql/pglite'],
    __pglite_version__: core.dependencies['@electric-sql/pglite'].replace(/^[\^~]/, ''),
    __zod_range__: core.dependencies.zod,
    __client_range__: core.peerDependencies['@modelcontextprotocol/client'],
    __sdk_range__: core.peerDependencies['@modelcontextprotocol/sdk'],
  };
}

function* templateFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* templateFiles(path);
    else yield path;
  }
}

/** Writes apps/<name> under `root` from the template; returns the app's directory. */
export function createServer(root, name) {
  if (!NAME.test(name) || name.length > 40) {
    throw new Error(
      `"${name}" is not a usable app name: use lower-case letters, digits and single dashes, ` +
        'starting with a letter, at most 40 characters (for example: order-desk).',
    );
  }
  const appDir = join(root, 'apps', name);
  if (existsSync(appDir))
    throw new Error(`apps/${name} already exists; pick another name or remove it first.`);
  const words = replacements(root, name);
  const fill = (text) => text.replace(/__[a-z_]+__/g, (word) => words[word] ?? word);
  for (const file of templateFiles(TEMPLATE)) {
    const target = join(appDir, fill(relative(TEMPLATE, file)));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, fill(readFileSync(file, 'utf8')));
  }
  return appDir;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const name = process.argv[2];
  const root = fileURLToPath(new URL('..', import.meta.url));
  try {
    if (!name)
      throw new Error('Usage: pnpm create-server <name>   (for example: pnpm create-server order-desk)');
    createServer(root, name);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  console.log(
    [
      `Created apps/${name}. Next, from the repository root:`,
      '  pnpm install   (links the new app into the workspace)',
      `  pnpm --filter @bounded/${name} test`,
      `  pnpm --filter @bounded/${name} build`,
      `  node apps/${name}/dist/main.js   (serves over stdio; add --http for Streamable HTTP)`,
    ].join('\n'),
  );
}
