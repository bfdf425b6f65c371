import { stat } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs';
import { basename, dirname, join, resolve } from 'node:path';
import { adapterDirFor, loadAdapter } from './adapter.ts';
import { AdaptedTeacherEmbedder } from './adapted-teacher.ts';
import type { FaceEmbedder } from './embedder.ts';
import { ENSEMBLE_FILE, EnsembleEmbedder, EnsembleError, readEnsembleMembers } from './ensemble.ts';
import { SizeRoutedEmbedder, usesTeacher, validateRouting, type ProbeRouting } from './size-routed.ts';
import { loadStudentEmbedder } from './student/student-embedder.ts';
import { probeModelDir, studentModelDir } from './model-paths.ts';
import { createTeacher, type FaceApiTeacher } from './teacher/index.ts';

/**
 * Picks a face model by name so callers never branch on the model type:
 * - `teacher`: the face-api HR teacher (also the aligner);
 * - `student`: the shipped student, a tfjs LayersModel in `<repo>/models/student/model.json`;
 * - any other string: a directory (or its model.json) holding a LayersModel in the same format, or a
 *   directory holding an `ensemble.json` that names two or more such students (models/ensemble.ts).
 *
 * LayersModel contract (that of student/architecture.ts): input `[batch, s, s, 3]` float32 RGB in
 * 0..255 — any rescaling is a layer inside the model, so the file alone defines the preprocessing —
 * and output `[batch, dim]`; the wrapper resizes chips to `s` and L2-normalises the output. Files are
 * read by student/model-io.ts (model.json + weights, no tfjs-node `file://` handler needed).
 */
export type EmbedderSpec = 'teacher' | 'student' | (string & {});

/** Raised when a model's files are missing or unusable; the message names the path. */
export class ModelLoadError extends Error {
  readonly code = 'MODEL_LOAD_FAILED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelLoadError';
  }
}

/** Where the shipped student lives (`<repo>/models/student`, or BRIDGEFACE_STUDENT_DIR). */
export const defaultStudentDir = studentModelDir;

export function createEmbedder(spec: 'teacher'): Promise<FaceApiTeacher>;
export function createEmbedder(spec: EmbedderSpec): Promise<FaceEmbedder>;
export async function createEmbedder(spec: EmbedderSpec): Promise<FaceEmbedder> {
  if (spec === 'teacher') return createTeacher();
  if (spec === 'student') return loadLayersEmbedder(defaultStudentDir(), 'student');
  return loadLayersEmbedder(spec);
}

/** Resolves a model directory (or its model.json) to the directory, with errors naming the path. */
async function modelDir(path: string, name: string | undefined): Promise<string> {
  const abs = resolve(path);
  const info = await stat(abs).catch(() => null);
  const dir = info?.isFile() && basename(abs) === 'model.json' ? dirname(abs) : abs;
  if (info?.isFile() && dir === abs) {
    throw new ModelLoadError(`model path ${abs} is a file; expected a directory holding model.json`);
  }
  const exists = async (file: string) => (await stat(join(dir, file)).catch(() => null)) !== null;
  if (!(await exists('model.json')) && !(await exists(ENSEMBLE_FILE))) {
    const what =
      name === 'student'
        ? 'student weights not found (train and export the student first)'
        : info
          ? 'not a model directory'
          : 'unknown model (expected teacher, student or a model directory)';
    throw new ModelLoadError(`${what}: ${join(dir, 'model.json')} does not exist`);
  }
  return dir;
}

/**
 * Loads a LayersModel directory as a FaceEmbedder through the student loader (one loader for every
 * layers model: batch norm folded for inference, chips resized to the input, outputs L2-normalised),
 * or an ensemble directory as the ensemble of its members.
 */
export async function loadLayersEmbedder(path: string, name?: string): Promise<FaceEmbedder> {
  const dir = await modelDir(path, name);
  const members = await readEnsembleMembers(dir);
  return members ? loadEnsemble(dir, members, name) : loadPlainLayersEmbedder(dir, name);
}

/** One layers model (`dir` already checked by `modelDir`). */
async function loadPlainLayersEmbedder(dir: string, name?: string): Promise<FaceEmbedder> {
  try {
    return await loadStudentEmbedder(dir, { name: name ?? basename(dir) });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ModelLoadError(`cannot load ${join(dir, 'model.json')}: ${why}`, { cause: err });
  }
}

/** A student ensemble (models/ensemble.ts): its plain layers-model members, loaded in order. */
async function loadEnsemble(dir: string, members: readonly string[], name?: string): Promise<FaceEmbedder> {
  const loaded: FaceEmbedder[] = [];
  try {
    for (const member of members) {
      const memberDir = await modelDir(member, undefined);
      if (await readEnsembleMembers(memberDir)) {
        throw new EnsembleError(`${join(dir, ENSEMBLE_FILE)}: member ${member} is itself an ensemble`);
      }
      loaded.push(await loadPlainLayersEmbedder(memberDir));
    }
    return new EnsembleEmbedder(loaded, name ?? basename(dir));
  } catch (err) {
    for (const m of loaded) m.dispose();
    throw err;
  }
}

/** The step-1 adapter in `dir`, or undefined when there is none. */
async function adapterIn(dir: string): Promise<tf.LayersModel | undefined> {
  return (await stat(join(dir, 'model.json')).catch(() => null)) ? loadAdapter(dir) : undefined;
}

/**
 * The HR gallery embedder matching `probeModel` ('teacher', 'student' or a model directory): the
 * teacher followed by the adapter of the probe model's training run when there is one
 * (`adapterDirFor`), else the teacher alone. The teacher stays the caller's.
 */
export async function createGalleryEmbedder(
  teacher: FaceApiTeacher,
  probeModel: EmbedderSpec,
): Promise<AdaptedTeacherEmbedder> {
  const ownDir = probeModelDir(probeModel);
  const members = ownDir === undefined ? undefined : await readEnsembleMembers(ownDir);
  if (!members) {
    const dir = adapterDirFor(probeModel);
    const adapter = dir === undefined ? undefined : await adapterIn(dir);
    return new AdaptedTeacherEmbedder(teacher, adapter ? [adapter] : []);
  }
  // Every member needs its own adapter: a member's probes live in its adapted-HR space only.
  const adapters: tf.LayersModel[] = [];
  try {
    for (const member of members) {
      const dir = adapterDirFor(member)!;
      const adapter = await adapterIn(dir);
      if (!adapter) throw new ModelLoadError(`ensemble member ${member} has no step-1 adapter at ${dir}`);
      adapters.push(adapter);
    }
  } catch (err) {
    for (const a of adapters) a.dispose();
    throw err;
  }
  return new AdaptedTeacherEmbedder(teacher, adapters);
}

/**
 * `model` (loaded from `spec`) as the probe side of `routing`, with `large` (the teacher + the model's
 * adapter) for the larger faces; or `model` itself when no band uses the teacher or `spec` already is
 * the teacher path (`teacher`, or eval's `teacher+adapter`). The one place that decision is made: the
 * pipeline (`createProbeEmbedder`), `eval` and `calibrate` all route through it.
 */
export function routeBySize(
  spec: EmbedderSpec,
  model: FaceEmbedder,
  large: FaceEmbedder,
  routing: ProbeRouting,
  release?: () => void,
): FaceEmbedder {
  validateRouting(routing);
  return routesToTeacher(spec, routing) ? new SizeRoutedEmbedder(model, large, routing, release) : model;
}

/** Whether probes of `spec` under `routing` take the teacher path for some sizes (see routeBySize). */
function routesToTeacher(spec: EmbedderSpec, routing: ProbeRouting): boolean {
  return usesTeacher(routing) && spec !== 'teacher' && spec !== 'teacher+adapter';
}

/**
 * The probe side as the pipeline runs it (`embed.model` with `embed.blendFromPx` / `teacherFromPx`):
 * the model itself, or, when a band uses the teacher and the model is not the teacher itself, the
 * model and the teacher + the model's adapter routed by face size (models/size-routed.ts), which then
 * owns a teacher of its own.
 */
export async function createProbeEmbedder(spec: EmbedderSpec, routing: ProbeRouting): Promise<FaceEmbedder> {
  const model = await createEmbedder(spec);
  if (!routesToTeacher(spec, routing)) return model;
  let teacher: FaceApiTeacher;
  try {
    teacher = await createTeacher();
  } catch (err) {
    model.dispose();
    throw err;
  }
  try {
    // The gallery's HR side (createGalleryEmbedder): teacher + the model's adapter(s), or the teacher
    // alone for a model distilled from raw teacher features; either way the space its probes match in.
    const adapted = await createGalleryEmbedder(teacher, spec);
    try {
      return routeBySize(spec, model, adapted, routing, () => teacher.dispose());
    } catch (err) {
      adapted.dispose();
      throw err;
    }
  } catch (err) {
    model.dispose();
    teacher.dispose();
    throw err;
  }
}
