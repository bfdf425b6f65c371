import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { locateFfmpeg } from '../../src/decode/ffmpeg-binary.ts';

export interface TestClipOptions {
  /** Frame rate of the pattern. @defaultValue 10 */
  readonly fps?: number;
  /** Length in seconds. @defaultValue 2 */
  readonly seconds?: number;
  /** Output options before the path, e.g. ['-pix_fmt', 'yuv420p'] or ['-f', 'mpegts']. */
  readonly outputArgs?: readonly string[];
}

/**
 * Writes FFmpeg's 160x120 colour-bar test pattern (`testsrc`: bright bars, never a blank frame) to
 * `path`, the clip the decode and camera tests read; returns the FFmpeg binary it used.
 */
export async function writeTestClip(path: string, options: TestClipOptions = {}): Promise<string> {
  const ffmpeg = await locateFfmpeg();
  if (!ffmpeg) throw new Error('FFmpeg not found: the decode tests need it');
  await promisify(execFile)(ffmpeg.path, [
    ...['-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=160x120:rate=${options.fps ?? 10}`],
    ...['-t', String(options.seconds ?? 2), ...(options.outputArgs ?? []), path],
  ]);
  return ffmpeg.path;
}
