import { describe, expect, it } from 'vitest';
import { spawnServerProcess } from '../src/testing/index.js';
import { CORE_DIR, NOTES_NODE_ARGS, useServerDatabase } from './support/notes-process.js';

const servers = useServerDatabase();
const run = (...args: string[]) =>
  spawnServerProcess(process.execPath, [...NOTES_NODE_ARGS, ...args], { cwd: CORE_DIR, env: servers.env() });

describe('the command line of every app (runApp)', () => {
  it.each(['--help', '-h'])(
    '%s prints every flag and variable of the config schema to stdout and exits 0',
    async (flag) => {
      const cli = run(flag);
      expect(await cli.exited).toBe(0);
      const help = cli.stdout.join('\n');
      expect(help).toMatch(/^Usage: notes-mcp \[flags\]$/m);
      expect(help).toMatch(/^ {2}PORT {3}--port <value> {3}default 8080\n {6}HTTP port/m);
      expect(help).toMatch(/^ {2}INSECURE_NO_AUTH {3}--insecure-no-auth {3}default false$/m);
      expect(help).toMatch(/^ {2}TOOL_TIMEOUT_MS {3}default 60000$/m);
      expect(help).toMatch(/^ {2}NOTES_LIST_BUDGET_CHARS {3}default 16000$/m); // the app's own setting
      expect(cli.stderr).toEqual([]);
    },
  );

  it('--version prints the name and version and exits 0', async () => {
    const cli = run('--version');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout).toEqual(['notes-mcp 0.0.1']);
  });

  it('refuses an unknown flag with one line naming it, and exits 2', async () => {
    const cli = run('--prot', '9000');
    expect(await cli.exited).toBe(2);
    expect(cli.stdout).toEqual([]);
    expect(cli.stderr).toHaveLength(1);
    expect(cli.stderr[0]).toMatch(/^notes-mcp: Unknown option '--prot'.*Known flags: .*--port.*--help/);
  });

  it('refuses to start without its migrations directory, with one line naming it, and exits 2', async () => {
    const cli = spawnServerProcess(process.execPath, NOTES_NODE_ARGS, {
      cwd: CORE_DIR,
      env: servers.env({ NOTES_MIGRATIONS_DIR: '/nonexistent/notes/migrations' }),
    });
    expect(await cli.exited).toBe(2);
    expect(cli.stdout).toEqual([]);
    expect(cli.stderr).toEqual([
      "notes-mcp: migrations directory /nonexistent/notes/migrations not found: ship it beside the server's dist/",
    ]);
  });

  it('warns on stderr that --port does nothing without --http, and serves stdio', async () => {
    const server = run('--port', '9000');
    await server.waitForStderr(/warning: --port only applies? with --http/);
    server.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    });
    await server.waitForMessage((m) => m.id === 1 && m.result !== undefined);
    server.child.stdin.end();
    expect(await server.exited).toBe(0);
  });
});
