import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';

/** What a video file is: the size and rate its frames are decoded at natively. */
export interface ClipInfo {
  readonly width: number;
  readonly height: number;
  /** Native frame rate (the stream's average rate, else its base rate). */
  readonly fps: number;
}

/** Raised when a clip is missing or FFmpeg cannot read a video stream from it. */
export class ClipProbeError extends Error {
  readonly code = 'CLIP_UNREADABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ClipProbeError';
  }
}

/** Parses the first video stream line of FFmpeg's input description (`ffmpeg -i <file>` on stderr). */
export function parseClipInfo(ffmpegStderr: string): ClipInfo | undefined {
  const line = ffmpegStderr.split('\n').find((l) => /Stream #\d+:\d+.*: Video:/.test(l));
  if (!line) return undefined;
  const size = /\b(\d{2,5})x(\d{2,5})\b/.exec(line);
  const rate = /([\d.]+)(k?) fps\b/.exec(line) ?? /([\d.]+)(k?) tbr\b/.exec(line);
  if (!size || !rate) return undefined;
  const fps = Number(rate[1]) * (rate[2] === 'k' ? 1000 : 1);
  if (!(fps > 0)) return undefined;
  return { width: Number(size[1]), height: Number(size[2]), fps };
}

/** The native size and frame rate of a video file, from FFmpeg (no ffprobe needed). */
export async function probeClip(ffmpegPath: string, path: string): Promise<ClipInfo> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new ClipProbeError(`clip ${path} does not exist or is not a file`);
  // Without an output FFmpeg describes the input on stderr and exits 1: that is the answer we want.
  const stderr = await new Promise<string>((resolve) => {
    execFile(ffmpegPath, ['-hide_banner', '-i', path], { timeout: 30_000 }, (_err, _out, err) =>
      resolve(String(err)),
    );
  });
  const clip = parseClipInfo(stderr);
  if (!clip) {
    const why = stderr.trim().split('\n').pop() ?? '';
    throw new ClipProbeError(`clip ${path}: no video stream FFmpeg can read${why ? ` (${why})` : ''}`);
  }
  return clip;
}
