import type { runHttp as RunHttp } from './run-http.js';

export type { HttpHandle, HttpOptions } from './run-http.js';

/**
 * `runHttp`, loaded on first use: nothing imports the HTTP stack (node:http, http2, the SDK's
 * Node adapter) statically, so a bundled stdio server never loads or compiles it.
 */
export async function runHttp(...args: Parameters<typeof RunHttp>): ReturnType<typeof RunHttp> {
  const { runHttp: run } = await import('./run-http.js');
  return run(...args);
}
