import type { McpServerFactory } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Logger } from 'pino';
import { LineTransport } from './stdio-transport.js';

/** Serves both protocol eras over stdio; resolves with an exit code when stdin closes or a signal arrives, after draining. */
export function runStdio(
  factory: McpServerFactory,
  options: { log: Logger; drainMs: number; close: () => Promise<void> },
): Promise<number> {
  const { log } = options;
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ why }, 'stdio server stopping');
      // Replies still owed are written before anything closes: a host that sent a request and
      // then closed stdin (or sent SIGTERM) still gets its answer.
      void transport
        .settled(options.drainMs)
        .then((settled) => {
          if (!settled) log.warn('stopping with requests still unanswered');
          return handle.close();
        })
        .then(() => options.close())
        .catch((error: unknown) => log.error({ err: error }, 'closing the stdio transport failed'))
        .finally(() => resolve(0));
    };
    // The end of stdin must end the process: pools and timers would otherwise keep it alive but deaf.
    const transport = new LineTransport(process.stdin, process.stdout, {
      onInputEnd: () => stop('stdin closed'),
      onClosed: () => stop('stdio closed'),
    });
    const handle = serveStdio(factory, {
      transport,
      onerror: (error) => log.warn({ err: error.message }, 'stdio protocol error'),
    });
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
