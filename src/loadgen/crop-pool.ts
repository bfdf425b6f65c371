import { join } from 'node:path';
import { locateFfmpeg } from '../decode/ffmpeg-binary.ts';
import { decodeRawVideo } from '../demo/clip-encoder.ts';
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

/** The ground-truth faces of frame `frame` that are visible enough to crop. */
function truthFacesAt(truth: DemoTruth, frame: number, maxOccluded: number): { box: Box; size: number }[] {
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
  // Frames 0, step, 2·step, …: only those are kept in memory.
  const frames = await decodeRawVideo(
    ffmpeg.path,
    assets.clipPath,
    truth.width,
    truth.height,
    `not(mod(n\\,${step}))`,
  );
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
