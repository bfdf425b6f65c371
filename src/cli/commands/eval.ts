import { InvalidArgumentError, Option, type Command } from 'commander';
import { nonNegativeInt, numberIn, positiveInt, pxOrOff, routingFromFlags } from '../options.ts';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { configSchema } from '../../config/schema.ts';
import { DatasetError } from '../../datasets/dataset-error.ts';
import { loadFolderDataset } from '../../datasets/folder-dataset.ts';
import { LFW_SPLITS, loadLfwPairs, parseLfwSplit } from '../../datasets/lfw.ts';
import type { ImagePair } from '../../datasets/types.ts';
import { decodeImageFile, ImageDecodeError } from '../../image/decode.ts';
import { loadRollEstimator, RollCorrector } from '../../detect/roll-correction.ts';
import { cameraProbe, rolledProbeScene } from '../../eval/camera-probes.ts';
import type { RgbImage } from '../../image/rgb-image.ts';
import {
  createEmbedder,
  createGalleryEmbedder,
  routeBySize,
  type EmbedderSpec,
} from '../../models/registry.ts';
import {
  GALLERY_MODES,
  ResolutionMatchedEmbedder,
  TEMPLATE_PATHS,
  templateEmbedder,
  templatesOnProbePath,
  type GalleryMode,
  type TemplatePath,
} from '../../embed/resolution-matched.ts';
import { createDetectorCropAligner } from '../../eval/detector-crop-aligner.ts';
import { alignFileCached, type AlignedFace, type FaceApiTeacher } from '../../models/teacher/index.ts';
import { log } from '../../util/log.ts';
import { stageProgress } from '../progress.ts';
import { balancedPairs, subsamplePairs } from '../../eval/pairs.ts';
import { renderEvalPlot } from '../../eval/plot.ts';
import { formatTable, toReportJson, type EvalMeta, type ProbeCrop } from '../../eval/report.ts';
import { runEval, validateResolutions, type Resolution } from '../../eval/run-eval.ts';
import { CohortNormaliser } from '../../match/cohort-norm.ts';
import { loadCheckedCohort } from '../../models/cohort.ts';
import { FlipAveragedEmbedder } from '../../models/flip-averaged.ts';

/** Enrolment as the config's defaults build it: eval --cross measures what `enroll` stores. */
const ENROL_DEFAULTS = configSchema.parse({}).enrol;
const MATCH_DEFAULTS = configSchema.parse({}).match;
const EMBED_DEFAULTS = configSchema.parse({}).embed;

interface EvalOptions {
  readonly model: EmbedderSpec;
  readonly dataset: 'lfw' | 'folder';
  readonly data: string;
  readonly split: string;
  readonly res: Resolution[];
  readonly cross?: boolean;
  readonly json?: string;
  readonly plot?: string;
  readonly limit?: number;
  readonly seed: number;
  readonly maxSame: number;
  readonly crop: ProbeCrop;
  readonly roll?: number;
  readonly deroll?: boolean;
  readonly gallery: GalleryMode;
  readonly galleryLrSizes: number[];
  readonly templates: TemplatePath;
  readonly grey?: boolean;
  readonly impostors: 'listed' | 'all';
  readonly scoreNorm?: 'cohort' | 'none';
  readonly flip: 'none' | 'probe' | 'gallery' | 'both';
  readonly teacherFrom: number | 'off' | null;
  readonly blendFrom: number | 'off' | null;
}

export function parseResolutions(value: string): Resolution[] {
  const out = value.split(',').map((s): Resolution => {
    const t = s.trim().toLowerCase();
    if (t === 'hr') return 'hr';
    if (!/^\d+$/.test(t)) throw new InvalidArgumentError(`"${s}" is not a pixel size or "hr" (e.g. 8,16,hr)`);
    return Number(t);
  });
  try {
    validateResolutions(out);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
  return out;
}

async function loadPairs(o: EvalOptions): Promise<ImagePair[]> {
  if (o.dataset === 'lfw') return loadLfwPairs(o.data, parseLfwSplit(o.split));
  return balancedPairs(await loadFolderDataset(o.data), { maxSame: o.maxSame, seed: o.seed });
}

/** The teacher's alignment through the disk cache; undecodable files count as unaligned, with a warning. */
function cachedFace(
  teacher: FaceApiTeacher,
  assumeCentred: boolean,
): (path: string) => Promise<AlignedFace | null> {
  return async (path) => {
    try {
      return await alignFileCached(teacher, path, { assumeCentred });
    } catch (err) {
      if (!(err instanceof ImageDecodeError)) throw err;
      log.warn({ path, err: err.message }, 'undecodable image counted as unaligned');
      return null;
    }
  };
}

/** The aligned chip of `cachedFace`. */
function cachedAligner(
  teacher: FaceApiTeacher,
  assumeCentred: boolean,
): (path: string) => Promise<RgbImage | null> {
  const face = cachedFace(teacher, assumeCentred);
  return async (path) => (await face(path))?.chip ?? null;
}

/**
 * `camera` crops: the face's scene (eval/camera-probes.ts), its head rolled by `roll` radians, to the
 * left or the right by a hash of the file name (half each, the same in every run).
 */
function cameraSceneAligner(
  teacher: FaceApiTeacher,
  assumeCentred: boolean,
  roll: number,
): (path: string) => Promise<RgbImage | null> {
  const cached = cachedFace(teacher, assumeCentred);
  return async (path) => {
    const face = await cached(path);
    if (!face) return null;
    const sign = createHash('sha256').update(basename(path)).digest()[0]! & 1 ? 1 : -1;
    return rolledProbeScene(await decodeImageFile(path), face.landmarks, sign * roll);
  };
}

async function writeOut(path: string, text: string): Promise<void> {
  const abs = resolve(path);
  await mkdir(dirname(abs), { recursive: true });
  await writeFile(abs, text);
}

async function evalAction(options: EvalOptions): Promise<void> {
  // Rolled or roll-corrected probes only exist as camera crops (the scene around the face is needed).
  const rolled = options.roll !== undefined || options.deroll === true;
  if (rolled && options.crop === 'detector') {
    throw new InvalidArgumentError(
      '--roll and --deroll cut probes as camera crops; they cannot be combined with --crop detector',
    );
  }
  const o: EvalOptions = rolled ? { ...options, crop: 'camera' } : options;
  if (o.crop === 'camera' && o.res.includes('hr')) {
    throw new InvalidArgumentError('camera crops are LR probes: leave "hr" out of --res');
  }
  if (o.dataset === 'folder' && o.split !== 'devtest') {
    throw new DatasetError(
      '--split applies to --dataset lfw only; folder datasets use seeded balanced pairs',
    );
  }
  let pairs = await loadPairs(o);
  if (o.limit !== undefined) pairs = subsamplePairs(pairs, Math.max(2, o.limit), o.seed);

  // The teacher is always needed: it aligns every image, and (with the step-1 adapter for a student)
  // embeds the HR gallery side of --cross, as the watchlist enrolment does.
  const teacher = await createEmbedder('teacher');
  const adaptedRaw = await createGalleryEmbedder(
    teacher,
    o.model === 'teacher+adapter' ? 'student' : o.model,
  );
  const flipGallery = o.flip === 'gallery' || o.flip === 'both';
  const flipProbe = o.flip === 'probe' || o.flip === 'both';
  const adapted = flipGallery ? new FlipAveragedEmbedder(adaptedRaw) : adaptedRaw;
  // `teacher+adapter`: step 1's adapted features (HR accuracy must not drop from the raw teacher's).
  const modelRaw =
    o.model === 'teacher'
      ? teacher
      : o.model === 'teacher+adapter'
        ? await createGalleryEmbedder(teacher, 'student')
        : await createEmbedder(o.model).catch((err: unknown) => {
            teacher.dispose();
            throw err;
          });
  const model = flipProbe ? new FlipAveragedEmbedder(modelRaw) : modelRaw;
  // Probes as the pipeline embeds them (`embed.blendFromPx` / `teacherFromPx`): by face size, the
  // model, both averaged, or the teacher + adapter.
  const routing = routingFromFlags(o.blendFrom, o.teacherFrom);
  const probeModel = routeBySize(o.model, model, adapted, routing);
  // The gallery side exactly as enrolment builds it (src/embed/resolution-matched.ts), its LR
  // templates embedded by the model or on the probe's path (--templates, enrol.templatePath).
  const enrol = {
    gallery: o.gallery,
    lrSizes: o.galleryLrSizes,
    greyscale: ENROL_DEFAULTS.greyscale,
    templatePath: o.templates,
  };
  const gallery = new ResolutionMatchedEmbedder(
    adapted,
    templateEmbedder(o.templates, model, probeModel),
    enrol,
  );
  // Raw cosines unless asked: verification numbers stay comparable across models, gallery modes and
  // the teacher, none of which need a cohort.
  const scoreNorm = o.scoreNorm ?? 'none';
  const normaliser =
    o.cross && scoreNorm === 'cohort'
      ? new CohortNormaliser(
          (await loadCheckedCohort(o.model, enrol, routing)).vectors,
          MATCH_DEFAULTS.cohortTopK,
        )
      : undefined;
  const meta: EvalMeta = {
    model: o.model,
    dataset: o.dataset,
    split: o.dataset === 'lfw' ? o.split : null,
    crop: o.crop,
    rollDegrees: o.crop === 'camera' ? (o.roll ?? 0) : undefined,
    deroll: o.deroll ?? false,
    // e.g. `fused/probe-templates`: the LR templates embedded on the probe's path.
    gallery: !o.cross ? undefined : templatesOnProbePath(enrol) ? `${o.gallery}/probe-templates` : o.gallery,
    grey: o.grey ?? false,
    scoreNorm: normaliser ? 'cohort' : 'none',
    routing: probeModel === model ? null : routing,
  };
  const bar = stageProgress();
  // Probes cut like CCTV crops (detector box, no landmarks) when asked; gallery photos stay landmark-aligned.
  const landmarkChip = cachedAligner(teacher, o.dataset === 'lfw');
  const detectorCrops = o.crop === 'detector' ? await createDetectorCropAligner() : undefined;
  const corrector = o.deroll
    ? new RollCorrector(await loadRollEstimator(), EMBED_DEFAULTS.rollMinDegrees)
    : undefined;
  const alignChip =
    o.crop === 'camera'
      ? cameraSceneAligner(teacher, o.dataset === 'lfw', ((o.roll ?? 0) * Math.PI) / 180)
      : detectorCrops
        ? (p: string) => detectorCrops.align(p)
        : landmarkChip;
  try {
    const outcome = await runEval({
      pairs,
      alignChip,
      probeCut:
        o.crop === 'camera' ? (scene, res) => cameraProbe(scene, res, model.inputSize, corrector) : undefined,
      alignGalleryChip: landmarkChip,
      model: probeModel,
      galleryEmbedder: gallery,
      normaliser,
      resolutions: o.res,
      cross: o.cross ?? false,
      greyProbes: o.grey ?? false,
      impostors: o.impostors,
      seed: o.seed,
      onProgress: (p) => bar.update(p.stage, p.done, p.total),
    });
    bar.stop();
    console.log(formatTable(meta, outcome));
    if (o.json) await writeOut(o.json, `${JSON.stringify(toReportJson(meta, outcome), null, 2)}\n`);
    if (o.plot) await writeOut(o.plot, await renderEvalPlot(meta, outcome.results));
  } finally {
    bar.stop();
    detectorCrops?.dispose();
    corrector?.dispose();
    if (model !== teacher) model.dispose();
    adapted.dispose();
    teacher.dispose();
  }
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('face verification at low resolutions (LR-LR, and HR gallery vs LR probe with --cross)')
    .requiredOption(
      '--model <spec>',
      'teacher, teacher+adapter (step 1 features), student, or a directory holding a tfjs layers model.json (or an ensemble.json of students)',
    )
    .addOption(
      new Option('--dataset <kind>', 'dataset layout').choices(['lfw', 'folder']).makeOptionMandatory(),
    )
    .requiredOption(
      '--data <dir>',
      'dataset root (LFW root with the protocol files, or <root>/<identity>/<image>)',
    )
    .option('--split <split>', `LFW pairs file: ${LFW_SPLITS.join(', ')}`, 'devtest')
    .addOption(
      new Option('--res <list>', 'resolutions in pixels, comma-separated; "hr" = the aligned chip')
        .argParser(parseResolutions)
        .default(parseResolutions('8,12,16,24,32,hr'), '8,12,16,24,32,hr'),
    )
    .option('--cross', 'also HR gallery (teacher, + adapter for a student) vs LR probe (model)')
    .addOption(
      new Option(
        '--crop <how>',
        'probe crops: landmark-aligned chips, detector-box crops, or camera (the scene at camera resolution cut by the chip window)',
      )
        .choices(['landmarks', 'detector', 'camera'])
        .default('landmarks'),
    )
    .option(
      '--roll <degrees>',
      'probe heads rolled by ± this many degrees (half each way), cut as camera crops',
      numberIn('--roll', 0, 45),
    )
    .option('--deroll', "re-cut probes upright with the pipeline's roll correction (camera crops)")
    .addOption(
      new Option(
        '--gallery <mode>',
        'how --cross builds gallery vectors from the HR photo (as enrolment does)',
      )
        .choices([...GALLERY_MODES])
        .default(ENROL_DEFAULTS.gallery),
    )
    .option(
      '--gallery-lr-sizes <list>',
      'LR sizes of the student-lr/fused gallery templates',
      (v) => v.split(',').map((x) => positiveInt('--gallery-lr-sizes')(x)),
      ENROL_DEFAULTS.lrSizes,
    )
    .addOption(
      new Option(
        '--templates <path>',
        "who embeds the gallery's LR templates: the model alone, or the probe's path for each rendering's size (enrol.templatePath)",
      )
        .choices([...TEMPLATE_PATHS])
        .default(ENROL_DEFAULTS.templatePath),
    )
    .option('--grey', 'greyscale probes (night/IR cameras); gallery photos stay in colour')
    .addOption(
      new Option('--impostors <set>', 'impostors for TAR@FAR: the listed pairs, or every cross-identity pair')
        .choices(['listed', 'all'])
        .default('listed'),
    )
    .addOption(
      new Option(
        '--score-norm <mode>',
        "hr-lr scores: raw cosines (the model's own verification, comparable across models and gallery modes) or cohort-normalised as the matcher's default config scores them (the model's cohort.json)",
      )
        .choices(['cohort', 'none'])
        .default('none'),
    )
    .addOption(
      new Option('--flip <side>', 'test-time flip: embed each chip and its mirror image, average')
        .choices(['none', 'probe', 'gallery', 'both'])
        .default('none'),
    )
    .option(
      '--teacher-from <px>',
      'probes of at least this size go through the teacher + the model\'s adapter alone, as the pipeline routes them (embed.teacherFromPx); "off" with --blend-from off: the model alone',
      pxOrOff('--teacher-from'),
      EMBED_DEFAULTS.teacherFromPx,
    )
    .option(
      '--blend-from <px>',
      'probes from this size up to --teacher-from are embedded by the model and the teacher + adapter, blended with the config\'s shares (embed.blendFromPx, embed.blendWeights); "off": no blending',
      pxOrOff('--blend-from'),
      EMBED_DEFAULTS.blendFromPx,
    )
    .option('--json <file>', 'write the results as JSON')
    .option('--plot <file>', 'write an SVG: accuracy vs resolution and ROC curves')
    .option(
      '--limit <n>',
      'evaluate a class-balanced seeded subset of n pairs (quick runs)',
      positiveInt('--limit'),
    )
    .option('--seed <n>', 'seed for pair sampling and CV folds', nonNegativeInt('--seed'), 0)
    .option(
      '--max-same <n>',
      'folder datasets: most genuine pairs (as many impostors)',
      positiveInt('--max-same'),
      3000,
    )
    .action(evalAction);
}
