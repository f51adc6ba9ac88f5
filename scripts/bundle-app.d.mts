/** Bundles one entry point into `outdir`: an executable ES module `main.js` and its chunks. */
export function bundle(entry: string, outdir: string, options?: { sourcemap?: boolean }): Promise<void>;
