import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `$BRIDGEFACE_CACHE`, else `<repo>/.cache` (the repository root holding this source tree). */
export function defaultCacheDir(): string {
  const env = process.env.BRIDGEFACE_CACHE;
  if (env !== undefined && env !== '') return resolve(env);
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '.cache');
}
