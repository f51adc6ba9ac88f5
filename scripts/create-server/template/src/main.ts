// __name__-mcp: parse flags and env, pick the transport, run.
import { runApp } from '@bounded/core';
import { z } from 'zod';
import { __camel__App } from './server.js';

await runApp({
  app: __camel__App,
  migrations: new URL('../migrations/', import.meta.url),
  config: z.object({}), // this server's own environment variables, parsed with the core's
  deps: () => ({}),
});
