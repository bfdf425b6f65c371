import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { ffmpegPathSetting } from '../config/environment.ts';

const run = promisify(execFile);

export interface FfmpegBinary {
  readonly path: string;
  /** First line of `ffmpeg -version`. */
  readonly version: string;
  /** `system` when found on PATH (or FFMPEG_PATH), `npm` for the binary bundled by @ffmpeg-installer. */
  readonly source: 'env' | 'system' | 'npm';
}

async function probe(path: string): Promise<string> {
  const { stdout } = await run(path, ['-hide_banner', '-version'], { timeout: 10_000 });
  return stdout.split('\n')[0]?.trim() ?? '';
}

/**
 * Finds an ffmpeg executable: `FFMPEG_PATH` if set, else the system's `ffmpeg` (usually newer, with
 * hardware decoders), else the static binary shipped by `@ffmpeg-installer/ffmpeg` so that no system
 * install is needed. Returns undefined when none runs.
 */
export async function locateFfmpeg(): Promise<FfmpegBinary | undefined> {
  const candidates: { path: string; source: FfmpegBinary['source'] }[] = [];
  const fromEnv = ffmpegPathSetting();
  if (fromEnv) candidates.push({ path: fromEnv, source: 'env' });
  candidates.push({ path: 'ffmpeg', source: 'system' });
  try {
    const bundled = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string };
    candidates.push({ path: bundled.path, source: 'npm' });
  } catch {
    // the npm binary is optional for hosts that have a system ffmpeg
  }
  for (const { path, source } of candidates) {
    try {
      return { path, source, version: await probe(path) };
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}
