import type { z } from 'zod';
import { initBackend } from '../runtime/backend.ts';
import { loadSsdNet, loadTinyFaceNet } from './face-api-nets.ts';
import { DETECTOR_SCHEMAS, type FaceDetectorOptions } from './options.ts';
import { FaceVerifier } from './face-verifier.ts';
import { PlainDetector } from './plain-detector.ts';
import { SSD_INPUT, createSmallFaceTileNet, createSsdTileNet, createTinyTileNet } from './tile-nets.ts';
import { TiledDetector } from './tiled-detector.ts';
import type { FaceDetector } from './types.ts';

/**
 * Detector plugins by `type`. Each plugin owns its strict options schema; `createFaceDetector` parses
 * the caller's options with it (filling defaults, rejecting unknown keys) and calls its factory —
 * callers never branch on the type.
 */
export interface DetectorPlugin<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  create(options: z.output<S>): Promise<FaceDetector>;
}

const plugins = new Map<string, DetectorPlugin>();

/** Registers (or replaces) a plugin under `type`. */
export function registerFaceDetector<S extends z.ZodType>(type: string, plugin: DetectorPlugin<S>): void {
  plugins.set(type, plugin as unknown as DetectorPlugin);
}

/** Registered detector types. */
export function faceDetectorTypes(): string[] {
  return [...plugins.keys()];
}

/** Raised for an unknown detector type or invalid options. */
export class DetectorConfigError extends Error {
  readonly code = 'DETECTOR_CONFIG_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DetectorConfigError';
  }
}

/**
 * Creates a face detector: `createFaceDetector({ type: 'tiled-tiny', minFaceSize: 12 })`.
 * Initialises the tfjs backend and loads the weights from disk.
 */
export async function createFaceDetector(options: FaceDetectorOptions): Promise<FaceDetector> {
  const plugin = plugins.get(options.type);
  if (!plugin) {
    throw new DetectorConfigError(
      `unknown detector type '${options.type}' (known: ${faceDetectorTypes().join(', ')})`,
    );
  }
  const parsed = plugin.schema.safeParse(options);
  if (!parsed.success) {
    throw new DetectorConfigError(`invalid ${options.type} options: ${parsed.error.message}`, {
      cause: parsed.error,
    });
  }
  await initBackend();
  return plugin.create(parsed.data);
}

registerFaceDetector('tiled-tiny', {
  schema: DETECTOR_SCHEMAS['tiled-tiny'],
  create: async (o) => new TiledDetector('tiled-tiny', await createTinyTileNet(o.modelDir), o),
});

registerFaceDetector('tiled-ssd', {
  schema: DETECTOR_SCHEMAS['tiled-ssd'],
  create: async (o) => new TiledDetector('tiled-ssd', await createSsdTileNet(o.modelDir), o),
});

registerFaceDetector('tiled-small', {
  schema: DETECTOR_SCHEMAS['tiled-small'],
  create: async (o) => {
    const net = await createSmallFaceTileNet(o.smallFaceModelDir);
    const verifier =
      o.verifyMinSide === false
        ? undefined
        : new FaceVerifier(await createTinyTileNet(o.modelDir), {
            minSide: o.verifyMinSide,
            scoreThreshold: o.verifyScoreThreshold,
          });
    return new TiledDetector('tiled-small', net, o, verifier);
  },
});

registerFaceDetector('plain-tiny', {
  schema: DETECTOR_SCHEMAS['plain-tiny'],
  create: async (o) => {
    const net = await loadTinyFaceNet(o.modelDir);
    const locate = (t: Parameters<typeof net.locateFaces>[0]) =>
      net.locateFaces(t, { inputSize: o.inputSize, scoreThreshold: o.scoreThreshold });
    return new PlainDetector('plain-tiny', locate, o.inputSize ** 2, o.ignoreZones, o.nmsIou, () =>
      net.dispose(),
    );
  },
});

registerFaceDetector('plain-ssd', {
  schema: DETECTOR_SCHEMAS['plain-ssd'],
  create: async (o) => {
    const net = await loadSsdNet(o.modelDir);
    const locate = (t: Parameters<typeof net.locateFaces>[0]) =>
      net.locateFaces(t, { minConfidence: o.scoreThreshold, maxResults: o.maxResults });
    return new PlainDetector('plain-ssd', locate, SSD_INPUT ** 2, o.ignoreZones, o.nmsIou, () =>
      net.dispose(),
    );
  },
});
