import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { studentDirSetting } from '../config/environment.ts';

/** Repository root (two levels above this file), used to find shipped model weights. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `model/` folder shipped inside the @vladmandic/face-api package (teacher, detector, landmarks). */
export function faceApiModelDir(): string {
  const pkg = createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json');
  return join(dirname(pkg), 'model');
}

/** Where the distilled student's weights ship in the repository (tfjs layers format). */
export function studentModelDir(): string {
  return studentDirSetting() ?? join(REPO_ROOT, 'models', 'student');
}

/**
 * The directory of a probe model spec: the shipped student's for `student`, else the path itself (or
 * the directory of a `model.json` path). The teacher has none.
 */
export function probeModelDir(spec: string): string | undefined {
  if (spec === 'teacher') return undefined;
  const dir = spec === 'student' ? studentModelDir() : resolve(spec);
  return dir.endsWith('model.json') ? dirname(dir) : dir;
}

/** Where BridgeFace's own small-face detector ships in the repository (tfjs layers format). */
export function smallFaceModelDir(): string {
  return join(REPO_ROOT, 'models', 'small-face');
}

/** Where the roll net (detect/roll-net.ts) ships in the repository (tfjs layers format). */
export function rollModelDir(): string {
  return join(REPO_ROOT, 'models', 'roll');
}

/** The teacher's recognition net as face-api ships it: its manifest and its one weight shard. */
export const FACE_RECOGNITION_FILES = [
  'face_recognition_model-weights_manifest.json',
  'face_recognition_model.bin',
] as const;

/** The face-api model files BridgeFace needs (manifest + weights of each net). */
export const FACE_API_MODELS = [
  'ssd_mobilenetv1_model',
  'face_landmark_68_model',
  'face_recognition_model',
] as const;
