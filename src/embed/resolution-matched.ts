import { toGreyInPlace } from '../datasets/lr-synthesis.ts';
import { areaResampleFloat, floatToRgb } from '../image/resize.ts';
import type { RgbImage } from '../image/rgb-image.ts';
import type { FaceEmbedder } from '../models/embedder.ts';

/**
 * How a watchlist photo becomes its stored vector (issue 10's bridge between the HR watchlist and LR
 * probes):
 * - `adapted-hr`: the teacher + step-1 adapter on the HR chip (the space the student was trained to
 *   mimic; the paper's gallery);
 * - `student-lr`: resolution-matched enrolment — the student itself embeds LR renderings of the photo
 *   (several CCTV sizes, mirrored, colour and greyscale) and their mean is the template, so gallery
 *   and probe come from the same network at the same kind of resolution;
 * - `fused`: the normalised sum of both unit vectors, i.e. an identity scores the mean of the two
 *   cosines (up to one per-identity constant): the HR bridge and the LR template vote together.
 */
export const GALLERY_MODES = ['adapted-hr', 'student-lr', 'fused'] as const;
export type GalleryMode = (typeof GALLERY_MODES)[number];

/**
 * Which network embeds the LR renderings of a `student-lr` / `fused` template (`enrol.templatePath`):
 * - `model`: the probe model alone, whatever the rendering's size;
 * - `probe`: the path a CCTV face of the rendering's size takes (`embed.blendFromPx` /
 *   `teacherFromPx` / `blendWeights`): a 16 px rendering is blended like a 16 px probe, a 24 px one goes
 *   to the teacher + adapter. Gallery and probe then come from the same networks at the same sizes.
 */
export const TEMPLATE_PATHS = ['model', 'probe'] as const;
export type TemplatePath = (typeof TEMPLATE_PATHS)[number];

export interface ResolutionMatchedOptions {
  readonly gallery: GalleryMode;
  /** LR sides (px) at which the photo is rendered for the student's template. */
  readonly lrSizes: readonly number[];
  /** Also render greyscale versions (night/IR cameras). */
  readonly greyscale: boolean;
  /** Who embeds the renderings; the caller passes the matching embedder (see templateEmbedder). */
  readonly templatePath: TemplatePath;
}

/** Whether a gallery's LR templates are embedded on the probe's path (`adapted-hr` has no templates). */
export function templatesOnProbePath(o: Pick<ResolutionMatchedOptions, 'gallery' | 'templatePath'>): boolean {
  return o.templatePath === 'probe' && o.gallery !== 'adapted-hr';
}

/**
 * The embedder of the LR renderings for `templatePath`: `model` (the probe model alone) or
 * `probePath` (the same model routed by face size, as the pipeline embeds probes; the model itself
 * when no band uses the teacher). Renderings are passed at their own size, so each takes the path of
 * a face that size.
 */
export function templateEmbedder(
  templatePath: TemplatePath,
  model: FaceEmbedder,
  probePath: FaceEmbedder,
): FaceEmbedder {
  return templatePath === 'probe' ? probePath : model;
}

/** The LR renderings of one HR chip that make its student template. */
export function lrRenderings(
  chip: RgbImage,
  options: Pick<ResolutionMatchedOptions, 'lrSizes' | 'greyscale'>,
): RgbImage[] {
  const out: RgbImage[] = [];
  for (const r of options.lrSizes) {
    for (const flip of [false, true]) {
      const values = areaResampleFloat(chip, r, r, undefined, flip);
      out.push(floatToRgb(values, r, r));
      if (options.greyscale) {
        toGreyInPlace(values);
        out.push(floatToRgb(values, r, r));
      }
    }
  }
  return out;
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

function meanOf(vectors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) out[i] += v[i]!;
  return normalise(out);
}

/**
 * The gallery side as a FaceEmbedder over HR chips (so `eval --cross` measures exactly what enrolment
 * stores): `hr` is the teacher (+ adapter), `probe` what embeds the LR renderings (templateEmbedder).
 */
export class ResolutionMatchedEmbedder implements FaceEmbedder {
  readonly name: string;
  readonly dim: number;
  readonly inputSize: number;
  readonly params: number;

  constructor(
    private readonly hr: FaceEmbedder,
    private readonly probe: FaceEmbedder,
    readonly options: ResolutionMatchedOptions,
  ) {
    if (options.gallery !== 'adapted-hr' && options.lrSizes.length === 0) {
      throw new RangeError(`gallery mode ${options.gallery} needs at least one LR size`);
    }
    if (hr.dim !== probe.dim) {
      throw new RangeError(
        `gallery ${hr.name} (dim ${hr.dim}) and probe ${probe.name} (dim ${probe.dim}) differ`,
      );
    }
    this.name = `${hr.name}/${options.gallery}`;
    this.dim = hr.dim;
    this.inputSize = hr.inputSize;
    this.params = hr.params;
  }

  async embed(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    const mode = this.options.gallery;
    const hrVectors = mode === 'student-lr' ? [] : await this.hr.embed(chips);
    if (mode === 'adapted-hr') return hrVectors;
    const out: Float32Array[] = [];
    for (const [i, chip] of chips.entries()) {
      const template = meanOf(await this.probe.embed(lrRenderings(chip, this.options)));
      if (mode === 'student-lr') out.push(template);
      else {
        const hrv = hrVectors[i]!;
        out.push(normalise(template.map((x, k) => x + hrv[k]!)));
      }
    }
    return out;
  }

  /** The probe and HR models belong to the caller. */
  dispose(): void {}
}
