import { stat } from 'node:fs/promises';

/**
 * Benchmarks that need data outside the repository (../shared/data by default) call this first: when a
 * path is missing it says which and exits 0, so a checkout without the data skips the bench cleanly.
 */
export async function exitUnlessPresent(
  bench: string,
  paths: readonly string[],
  hint = 'pass --data',
): Promise<void> {
  for (const path of paths) {
    if (!(await stat(path).catch(() => null))) {
      console.log(`${bench} skipped: ${path} not found (${hint})`);
      process.exit(0);
    }
  }
}
