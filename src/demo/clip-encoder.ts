import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** Raised when ffmpeg fails to encode or decode a clip; carries the tail of ffmpeg's stderr. */
export class ClipCodecError extends Error {
  readonly code = 'CLIP_CODEC_FAILED';
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(`${message}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    this.name = 'ClipCodecError';
  }
}

export interface EncodeOptions {
  readonly ffmpegPath: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Output .mp4 path (overwritten). */
  readonly out: string;
  /** x264 constant rate factor. @defaultValue 23 */
  readonly crf?: number;
}

const STDERR_KEEP = 8192;

/**
 * Encodes raw RGB24 frames (one Uint8Array of width*height*3 bytes each) to H.264/yuv420p MP4 by
 * piping them to ffmpeg's stdin, honouring backpressure so at most a pipe's worth is buffered. Frames
 * are produced lazily by the iterable, so generation in JS overlaps with encoding in ffmpeg; each frame
 * is copied on write, so the iterable may reuse one buffer.
 */
export async function encodeRawVideo(frames: Iterable<Uint8Array>, options: EncodeOptions): Promise<number> {
  const { ffmpegPath, width, height, fps, out } = options;
  const child = spawn(
    ffmpegPath,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${width}x${height}`,
      '-r',
      String(fps),
      '-i',
      '-',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-crf',
      String(options.crf ?? 23),
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      out,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_KEEP);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  let stdinError: Error | undefined;
  child.stdin.on('error', (err) => {
    stdinError = err; // EPIPE when ffmpeg dies; reported with its stderr below
  });
  let count = 0;
  const frameBytes = width * height * 3;
  try {
    for (const frame of frames) {
      if (frame.length !== frameBytes) {
        throw new RangeError(`frame ${count} has ${frame.length} bytes, expected ${frameBytes}`);
      }
      if (stdinError || child.exitCode !== null) break;
      count++;
      // Copy: the pipe write completes asynchronously and callers may reuse their frame buffer.
      if (!child.stdin.write(Buffer.from(frame))) {
        await Promise.race([once(child.stdin, 'drain'), exited]);
      }
    }
  } catch (err) {
    child.kill('SIGKILL');
    await exited.catch(() => undefined);
    throw err;
  }
  child.stdin.end();
  const code = await exited.catch((err: unknown) => {
    throw new ClipCodecError(`cannot run ffmpeg (${ffmpegPath}): ${String(err)}`, stderr);
  });
  if (code !== 0 || stdinError) {
    throw new ClipCodecError(`ffmpeg exited with ${code} while encoding ${out}`, stderr);
  }
  return count;
}

/**
 * Decodes a clip to raw RGB24 frames, all in memory (meant for short clips, benches and tests). With
 * `select`, an ffmpeg select expression over the frame number `n` (e.g. `not(mod(n\\,5))`), only the
 * frames it selects are decoded, in clip order. The one raw decode of the project: the demo's tests,
 * the load generator's crop pool and bench:detect use it.
 */
export async function decodeRawVideo(
  ffmpegPath: string,
  path: string,
  width: number,
  height: number,
  select?: string,
): Promise<Uint8Array[]> {
  const filter = select === undefined ? [] : ['-vf', `select='${select}'`, '-vsync', '0'];
  const child = spawn(
    ffmpegPath,
    [
      ...['-hide_banner', '-loglevel', 'error', '-i', path, ...filter],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-STDERR_KEEP);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new ClipCodecError(`ffmpeg exited with ${code} while decoding ${path}`, stderr);
  const all = Buffer.concat(chunks);
  const frameBytes = width * height * 3;
  if (all.length % frameBytes !== 0) {
    throw new ClipCodecError(
      `${path}: ${all.length} bytes is not a whole number of ${width}x${height} frames`,
      '',
    );
  }
  const frames: Uint8Array[] = [];
  for (let o = 0; o < all.length; o += frameBytes)
    frames.push(new Uint8Array(all.buffer, all.byteOffset + o, frameBytes));
  return frames;
}
