import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Box } from '../image/box.ts';

/**
 * Ground truth of a labelled clip for `bridgeface replay --truth` (format: docs/REPLAY.md): which
 * subject's face is where, frame by frame, at the clip's native frame rate and in source pixels.
 */
export const clipTruthSchema = z.strictObject({
  /** Native frame rate of the clip: `frame` / `fps` is a face's position in the video (s). */
  fps: z.number().positive(),
  faces: z.array(
    z.strictObject({
      /** 0-based frame index of the source video at its native rate. */
      frame: z.number().int().nonnegative(),
      /** An enrolled identity id (the watchlist file or folder name), or any other id for a stranger. */
      subject: z.string().min(1),
      /** `[x, y, width, height]` of the face in source pixels. */
      box: z.tuple([z.number(), z.number(), z.number().positive(), z.number().positive()]),
    }),
  ),
});

export type ClipTruth = z.output<typeof clipTruthSchema>;

/** Raised when a truth file cannot be read or does not follow the format; the message names the file. */
export class ClipTruthError extends Error {
  readonly code = 'TRUTH_INVALID';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClipTruthError';
  }
}

/** A truth face's box as a Box. */
export function truthBox(face: ClipTruth['faces'][number]): Box {
  const [x, y, width, height] = face.box;
  return { x, y, width, height };
}

/** The subjects of a truth, in order of first appearance. */
export function truthSubjects(truth: ClipTruth): string[] {
  return [...new Set(truth.faces.map((f) => f.subject))];
}

/** Reads and validates a truth file (JSON). */
export async function loadClipTruth(path: string): Promise<ClipTruth> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ClipTruthError(
      `cannot read truth ${path}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const parsed = clipTruthSchema.safeParse(raw);
  if (!parsed.success)
    throw new ClipTruthError(`truth ${path} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
