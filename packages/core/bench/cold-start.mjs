// Cold start (spawn → tools/list response) and idle RSS over stdio, servers measured side by side
// in one run, interleaved, medians of N. Usage: node bench/cold-start.mjs [rounds] [name=entry.ts ...]
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { bundle } from '../../../scripts/bundle-app.mjs';

const here = new URL('.', import.meta.url).pathname;
const rounds = Number(process.argv[2] ?? 15);
const extra = process.argv.slice(3).map((arg) => arg.split('='));
const entries = [
  ['bare v2 SDK, one tool', join(here, 'bare-sdk-server.ts')],
  ['core example (hello), one tool', join(here, '../examples/hello/main.ts')],
  ...extra.map(([name, entry]) => [name, resolve(entry)]),
];

const outDir = join(here, '.out');
mkdirSync(outDir, { recursive: true });
const servers = [];
const repoRoot = resolve(here, '../../..');
for (const [name, entry] of entries) {
  // Each bundle sits where its source does, mirrored under .out/N, with the migrations beside it
  // (in the entry's folder or the one above, as './migrations/' or '../migrations/'): a server
  // refuses to start without them.
  const root = join(outDir, String(servers.length));
  const dir = join(root, relative(repoRoot, dirname(entry)));
  await bundle(entry, dir);
  for (const source of [dirname(entry), dirname(dirname(entry))]) {
    const migrations = join(source, 'migrations');
    if (existsSync(migrations))
      cpSync(migrations, join(root, relative(repoRoot, migrations)), { recursive: true });
  }
  servers.push({ name, outfile: join(dir, 'main.js'), startMs: [], rssMiB: [] });
}

const dataRoot = mkdtempSync(join(tmpdir(), 'bounded-bench-'));

function measure(server, round) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [server.outfile], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        BOUNDED_DATA_DIR: join(dataRoot, `${round}-${server.outfile.length}`),
      },
    });
    const send = (m) => child.stdin.write(`${JSON.stringify(m)}\n`);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line);
      if (message.id === 1) {
        send({ jsonrpc: '2.0', method: 'notifications/initialized' });
        send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      } else if (message.id === 2) {
        listed = true;
        server.startMs.push(performance.now() - started);
        setTimeout(() => {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          server.rssMiB.push(Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024);
          child.kill('SIGKILL');
        }, 1000);
      }
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let listed = false;
    child.once('exit', (code) => {
      // A server that dies before answering would leave a hole in the medians: stop, and say why.
      if (listed) resolvePromise();
      else reject(new Error(`${server.name} exited (${code}) before answering tools/list:\n${stderr}`));
    });
    child.once('error', reject);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '0' },
      },
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (let round = 0; round < rounds; round++) {
  for (const server of servers) await measure(server, round);
}
rmSync(dataRoot, { recursive: true, force: true });

const base = servers[0];
console.log(
  `cold start (spawn → tools/list) and idle RSS, stdio, bundled, median of ${rounds}, node ${process.version}`,
);
for (const s of servers) {
  const ms = median(s.startMs);
  const rss = median(s.rssMiB);
  console.log(
    `${s.name.padEnd(40)} ${ms.toFixed(1).padStart(7)} ms  (×${(ms / median(base.startMs)).toFixed(2)})   ${rss.toFixed(1).padStart(6)} MiB  (×${(rss / median(base.rssMiB)).toFixed(2)})`,
  );
}
