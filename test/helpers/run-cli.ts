import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/models/model-paths.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bridgeface <args>` as an operator would (bin/bridgeface.mjs), with extra environment. */
export function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'bridgeface.mjs'), ...args],
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}
