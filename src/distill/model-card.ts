/**
 * MODEL_CARD.md for a distilled student: what it was trained on, how big it is, how well it verifies
 * held-out identities at low resolution, and how long training took on which backend.
 */
export interface ModelCardInput {
  readonly title: string;
  readonly ablation: string;
  readonly data: {
    readonly description: string;
    readonly trainIdentities: number;
    readonly trainSamples: number;
    readonly validationIdentities: number;
    readonly validationSamples: number;
    readonly validationPairs: number;
  };
  readonly model: {
    readonly params: number;
    readonly inputSize: number;
    readonly embeddingDim: number;
    /** Variant name → bytes on disk (model.json + weights.bin). */
    readonly sizeOnDisk: Readonly<Record<string, number>>;
  };
  /** Variant name → metric name → accuracy (0..1). */
  readonly accuracy: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Stage → seconds. */
  readonly trainingSeconds: Readonly<Record<string, number>>;
  readonly backend: string;
  /** Hyper-parameters as flat key → value text. */
  readonly hyperParameters: Readonly<Record<string, string | number>>;
}

const pct = (v: number | undefined): string =>
  v === undefined || Number.isNaN(v) ? '–' : `${(100 * v).toFixed(2)}%`;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

export function renderModelCard(c: ModelCardInput): string {
  const metrics = [...new Set(Object.values(c.accuracy).flatMap((m) => Object.keys(m)))].sort();
  const accRows = Object.entries(c.accuracy).map(
    ([variant, m]) => `| ${variant} | ${metrics.map((k) => pct(m[k])).join(' | ')} |`,
  );
  const lines = [
    `# ${c.title}`,
    '',
    'Low-resolution face embedder distilled from the face-api (dlib) 128-d ResNet teacher by two-step',
    'bridge distillation (Ge et al., IEEE TIP 2020): (1) a feature adapter on the frozen teacher trained on',
    'public HR identities; (2) a small CNN trained on synthetic LR versions of the same faces to mimic the',
    'adapted HR embeddings, with an LR identity task.',
    '',
    `Ablation: \`${c.ablation}\`.`,
    '',
    '## Data',
    '',
    c.data.description,
    '',
    `- training: ${c.data.trainIdentities} identities, ${c.data.trainSamples} faces`,
    `- validation (held-out identities, never trained on): ${c.data.validationIdentities} identities, ` +
      `${c.data.validationSamples} faces, ${c.data.validationPairs} pairs`,
    '',
    '## Model',
    '',
    `- parameters: ${c.model.params.toLocaleString('en-US')}`,
    `- input: ${c.model.inputSize}x${c.model.inputSize} RGB, 0..255 (rescaled inside the model); LR faces are`,
    '  bilinearly upsampled to the input, larger chips area-downsampled',
    `- output: ${c.model.embeddingDim}-d embedding; L2-normalise it, compare by cosine similarity`,
    ...Object.entries(c.model.sizeOnDisk).map(([v, b]) => `- size on disk (${v}): ${kib(b)}`),
    '',
    '## Verification accuracy (held-out identities, LR-LR pairs, 10-fold cross-validated threshold)',
    '',
    `| variant | ${metrics.join(' | ')} |`,
    `|---|${metrics.map(() => '---').join('|')}|`,
    ...accRows,
    '',
    '`lrN`: both faces area-downsampled to N x N pixels, then upsampled to the input.',
    '',
    '## Training',
    '',
    `- backend: ${c.backend}`,
    ...Object.entries(c.trainingSeconds).map(([s, t]) => `- ${s}: ${(t / 60).toFixed(1)} min`),
    '',
    '| hyper-parameter | value |',
    '|---|---|',
    ...Object.entries(c.hyperParameters).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '## Limitations',
    '',
    '- Trained and validated on synthetic LR faces (area downsampling, misalignment, blur and motion',
    '  blur, noise, JPEG, contrast/brightness, greyscale frames); real CCTV degradations beyond these',
    '  (interlacing, heavy H.264 artefacts, strong pose, IR glare) will lower accuracy.',
    '- Match thresholds depend on the model and the gallery mode: recalibrate with `bridgeface calibrate`',
    '  after installing a new model, and re-enrol the watchlist.',
    '- The teacher and the public data carry their demographic biases; this model inherits them.',
    '',
  ];
  return lines.join('\n');
}
