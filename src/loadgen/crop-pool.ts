import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { locateFfmpeg } from '../decode/ffmpeg-binary.ts';
import { ensureDemoAssets, type DemoTruth } from '../demo/demo-assets.ts';
import { chipWindowFromDetection } from '../detect/chip-window.ts';
import { cropFace } from '../detect/crop-face.ts';
import type { Box } from '../image/box.ts';
import type { RgbImage } from '../image/rgb-image.ts';

/** One real low-resolution face crop, cut exactly as the camera pipeline cuts it. */
export interface PoolCrop {
  readonly image: RgbImage;
  /** Face side in source pixels. */
  readonly facePx: number;
  readonly box: Box;
}

export interface CropPoolOptions {
  /** Crop side (the pipeline's `embed.cropSize`). @defaultValue 32 */
  readonly cropSize?: number;
  /** Every n-th frame of the demo clip is decoded. @defaultValue 5 */
  readonly frameStep?: number;
  /** Faces more occluded than this are skipped. @defaultValue 0.2 */
  readonly maxOccluded?: number;
  /** Demo assets directory. @defaultValue the demo cache (generated on first use) */
  readonly demoDir?: string;
}

export class CropPoolError extends Error {
  readonly code = 'LOADGEN_CROPS';
  constructor(message: string) {
    super(message);
    this.name = 'CropPoolError';
  }
}

/** Decodes frames `0, step, 2·step, …` of a clip as raw RGB (only those frames are kept in memory). */
async function decodeEveryNth(
  ffmpegPath: string,
  path: string,
  width: number,
  height: number,
  step: number,
): Promise<Uint8Array[]> {
  const child = spawn(
    ffmpegPath,
    [
      ...['-hide_banner', '-loglevel', 'error', '-i', path],
      ...['-vf', `select=not(mod(n\\,${step}))`, '-vsync', '0'],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new CropPoolError(`ffmpeg exited with ${code} decoding ${path}: ${stderr.trim()}`);
  const all = Buffer.concat(chunks);
  const bytes = width * height * 3;
  const frames: Uint8Array[] = [];
  for (let o = 0; o + bytes <= all.length; o += bytes) frames.push(all.subarray(o, o + bytes));
  return frames;
}

/** The ground-truth faces of frame `frame` that are visible enough to crop. */
export function truthFacesAt(
  truth: DemoTruth,
  frame: number,
  maxOccluded: number,
): { box: Box; size: number }[] {
  return truth.persons.flatMap((p) =>
    p.track
      .filter((t) => t.frame === frame && t.occluded <= maxOccluded)
      .map((t) => ({ box: t.box, size: t.size })),
  );
}

/**
 * Real LR face crops for load generation: the demo clip's faces (14–40 px in a 768x576 CCTV-like
 * scene) at their ground-truth boxes, cut with the pipeline's own chip window and `cropFace`, so the
 * embedder sees exactly what a camera worker would send.
 */
export async function loadCropPool(options: CropPoolOptions = {}): Promise<PoolCrop[]> {
  const cropSize = options.cropSize ?? 32;
  const step = options.frameStep ?? 5;
  const maxOccluded = options.maxOccluded ?? 0.2;
  const assets = await ensureDemoAssets(options.demoDir);
  const ffmpeg = await locateFfmpeg();
  if (!ffmpeg) throw new CropPoolError('ffmpeg not found: cannot decode the demo clip for crops');
  const { truth } = assets;
  const frames = await decodeEveryNth(ffmpeg.path, assets.clipPath, truth.width, truth.height, step);
  const pool: PoolCrop[] = [];
  for (const [i, data] of frames.entries()) {
    const frame: RgbImage = { width: truth.width, height: truth.height, data };
    for (const f of truthFacesAt(truth, i * step, maxOccluded)) {
      pool.push({
        image: cropFace(frame, chipWindowFromDetection(f.box), cropSize, 0),
        facePx: f.size,
        box: f.box,
      });
    }
  }
  if (pool.length === 0) throw new CropPoolError(`no usable faces in ${join(assets.dir, 'truth.json')}`);
  return pool;
}
