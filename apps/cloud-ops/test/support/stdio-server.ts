import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { expect } from 'vitest';
import type { Data } from './cloud-ops.js';

export interface StdioServer {
  client: Client;
  stderr: string[];
  pid: number | null;
  call(name: string, args: Record<string, unknown>, onprogress?: (p: unknown) => void): Promise<Data>;
  close(): Promise<void>;
}

/** Spawns the bundled server over stdio with an official client that approves every confirmation. */
export async function startStdioServer(
  main: string,
  args: string[],
  env: Record<string, string>,
): Promise<StdioServer> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [main, ...args],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/nonexistent',
      LOG_LEVEL: 'info',
      ...env,
    },
    stderr: 'pipe',
  });
  const stderr: string[] = [];
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const client = new Client(
    { name: 'cloud-ops-stdio-test', version: '0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler('elicitation/create', async () => ({
    action: 'accept',
    content: { confirm: true },
  }));
  await client.connect(transport);
  return {
    client,
    stderr,
    pid: transport.pid,
    async call(name, callArgs, onprogress) {
      const result = await client.callTool(
        { name, arguments: callArgs },
        { timeout: 60_000, ...(onprogress ? { onprogress } : {}) },
      );
      expect(result.isError, `${name}: ${JSON.stringify(result.content)}\n${stderr.join('')}`).toBeFalsy();
      return result.structuredContent as Data;
    },
    close: () => client.close(),
  };
}
