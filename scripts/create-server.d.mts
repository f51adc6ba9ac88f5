/** Writes apps/<name> under `root` from the template; returns the app's directory. */
export function createServer(root: string, name: string): string;
