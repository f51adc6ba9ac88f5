/**
 * Loads an optional peer dependency of the testing kit, or fails with the install command: a
 * production server never carries the client SDKs, so a test project adds the ones it uses.
 */
export async function importPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing =
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(error).includes(name);
    if (!missing) throw error;
    throw new Error(
      `@bounded/core/testing needs ${name} for this call: install it as a dev dependency (npm install -D ${name}).`,
      { cause: error },
    );
  }
}
