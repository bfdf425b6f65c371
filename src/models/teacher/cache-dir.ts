import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDirSetting } from '../../config/environment.ts';

/** `$BRIDGEFACE_CACHE`, else `<repo>/.cache` (the repository root holding this source tree). */
export function defaultCacheDir(): string {
  const env = cacheDirSetting();
  if (env !== undefined) return resolve(env);
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '.cache');
}
