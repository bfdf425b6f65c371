import { z } from 'zod';
import { detectorSectionSchema, ignoreZoneSchema } from '../detect/options.ts';
import { parseRedisNodeUrl, type RedisNodeAddress } from './redis-url.ts';
import { parseNetwork } from '../decode/camera-network-policy.ts';
import { GALLERY_MODES, TEMPLATE_PATHS } from '../embed/resolution-matched.ts';

/**
 * The pipeline configuration (`bridgeface run --config <file>`): one strict schema per section, every
 * default here, unknown keys rejected so a typo fails at start. Secrets and deployment specifics come
 * from the environment (see load-config.ts), never from files in the repository.
 */

export const cameraSchema = z.strictObject({
  /** Stable id used in events and keys. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'camera id: 1-64 of letters, digits, _ and -'),
  /** rtsp(s)://, http(s)://, or a file path (files only under `files.allowedDir` when the API adds cameras). */
  url: z.string().min(1),
  /** Frames per second decoded and processed. */
  fps: z.number().positive().max(60).default(5),
  width: z.number().int().min(64).max(7680).default(768),
  height: z.number().int().min(64).max(4320).default(576),
  /** Files only: loop forever. */
  loop: z.boolean().default(false),
  /** Files only: play at the clip's own speed (as a live camera would) instead of as fast as possible. */
  realtime: z.boolean().default(false),
  /** Faces smaller than this (px) are not detected. */
  minFacePx: z.number().min(6).max(200).default(12),
  /** Detections whose centre is in a zone are dropped (frame pixels). */
  ignoreZones: z.array(ignoreZoneSchema).default([]),
  enabled: z.boolean().default(true),
});

export const sizeThresholdSchema = z.strictObject({
  minFacePx: z.number().min(0),
  /** A cosine in [-1, 1], or with `match.scoreNorm: cohort` deviations above the cohort (FAR 1e-4 sits near 4, FAR 1e-3 near 2.5). */
  threshold: z.number().min(-1).max(100),
});

/**
 * The HTTP API (`bridgeface serve`). Tokens are not configurable here: they are secrets and come from
 * BRIDGEFACE_API_TOKENS only; the environment also overrides port, host, filesDir and eventsTtlSeconds
 * (src/api/settings.ts).
 */
export const apiConfigSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(8080),
  /** 127.0.0.1 by default: exposing the API is a deliberate choice. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Absolute directory that file camera URLs added through the API must resolve into; unset: refused. */
  filesDir: z.string().min(1).optional(),
  /** Events older than this are trimmed from the stream; unset: the stream is bounded by length only. */
  eventsTtlSeconds: z.number().int().min(60).optional(),
  /** Largest JSON body (bytes). */
  bodyLimit: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
  /** Largest uploaded photo (bytes). */
  maxPhotoBytes: z
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  /** Most photos per upload. */
  maxPhotos: z.number().int().min(1).max(100).default(10),
  /** Largest decoded photo (width × height): a decompression bomb is refused before decoding. */
  maxPhotoPixels: z.number().int().min(10_000).max(400_000_000).default(40_000_000),
  /** Failed authentications per client IP and window before it gets 429. */
  authFailuresPerWindow: z.number().int().min(1).default(10),
  authFailureWindowMs: z.number().int().min(1000).default(60_000),
  /** Concurrent live-alert (SSE) clients. */
  maxSseClients: z.number().int().min(1).max(10_000).default(100),
  /** Concurrent live-alert (SSE) clients of one token. */
  maxSseClientsPerToken: z.number().int().min(1).max(10_000).default(10),
  /** Events replayed at most when a live-alert client resumes. */
  maxSseReplay: z.number().int().min(0).max(1_000_000).default(10_000),
  /** Photos are downscaled to at most this many pixels when decoded (a face needs ~1-2 MP). */
  maxEnrolPixels: z.number().int().min(100_000).max(16_000_000).default(2_000_000),
  /** Enrolment uploads in progress at once (reading, decoding, embedding); more get 503. */
  maxConcurrentEnrolments: z.number().int().min(1).max(64).default(2),
  /**
   * Fastify's `trustProxy`: false (default: the client address is the socket's), true (trust every
   * X-Forwarded-For hop: only behind a proxy that overwrites the header), or the proxies' addresses
   * or CIDRs. Set it behind a reverse proxy, else every client shares the proxy's address (and its
   * failed-authentication count).
   */
  trustProxy: z.union([z.boolean(), z.array(z.string().min(1).max(64)).max(64)]).default(false),
  /**
   * Networks (CIDR, e.g. `10.20.0.0/16`, `127.0.0.1/32`) camera hosts may resolve into although the
   * camera network policy refuses them by default: loopback, link-local, unspecified and cloud
   * metadata addresses. Applied when the API registers a camera and by camera workers before each
   * connect (src/decode/camera-network-policy.ts).
   */
  cameraNetworks: z
    .array(
      z.string().superRefine((cidr, ctx) => {
        try {
          parseNetwork(cidr);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        }
      }),
    )
    .max(256)
    .default([]),
});

export type ApiConfig = z.output<typeof apiConfigSchema>;

function nodeOrUndefined(url: string): RedisNodeAddress | undefined {
  try {
    return parseRedisNodeUrl(url);
  } catch {
    return undefined;
  }
}

/** A Redis Cluster startup node URL; an invalid one fails with what is wrong with it. */
const redisNodeUrlSchema = z.string().superRefine((url, ctx) => {
  try {
    parseRedisNodeUrl(url);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
  }
});

export const redisClusterSchema = z
  .strictObject({
    /**
     * Startup nodes, `redis[s]://[user:password@]host[:port]`: any reachable masters of the cluster (the
     * client discovers the rest). Overridden by BRIDGEFACE_REDIS_CLUSTER_NODES (comma-separated).
     */
    nodes: z.array(redisNodeUrlSchema).min(1),
  })
  .superRefine((cluster, ctx) => {
    // ioredis applies one set of connection options to every node it discovers.
    const auth = new Set(
      cluster.nodes
        .map(nodeOrUndefined)
        .filter((n): n is RedisNodeAddress => n !== undefined)
        .map((n) => JSON.stringify([n.tls, n.username ?? '', n.password ?? ''])),
    );
    if (auth.size > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['nodes'],
        message: 'every cluster node must use the same scheme (redis/rediss), user and password',
      });
    }
  });

export const configSchema = z.strictObject({
  redis: z
    .strictObject({
      /** Standalone Redis (unused when `cluster` is set). Overridden by BRIDGEFACE_REDIS_URL. */
      url: z.string().default('redis://127.0.0.1:6379'),
      /** Prefix of every key; keys carry Cluster hash tags (see src/store/redis-keys.ts). */
      prefix: z.string().default('bf'),
      /** Redis Cluster instead of the standalone `url` (docs/DEPLOYMENT.md, "Redis Cluster"). */
      cluster: redisClusterSchema.optional(),
    })
    .prefault({}),
  /** Cameras started at launch; the API's camera registry can add more at run time. */
  cameras: z.array(cameraSchema).default([]),
  /**
   * Detector plugin options; `type` picks the plugin, and the rest is checked against that plugin's
   * schema (src/detect/options.ts). A tiled type without `minFaceSize` takes each camera's `minFacePx`.
   */
  detector: detectorSectionSchema.prefault({ type: 'tiled-small' }),
  tracker: z
    .strictObject({
      iouThreshold: z.number().min(0).max(1).default(0.2),
      maxCentreDistance: z.number().positive().default(1.5),
      maxMissedFrames: z.number().int().min(0).default(8),
      bestCrops: z.number().int().min(1).max(16).default(4),
      /** Frames a track needs before its first identity decision. */
      minHits: z.number().int().min(1).default(3),
      /** A track is resubmitted when its best crop quality grows by this factor (confidence may rise). */
      resubmitQualityGain: z.number().min(1).default(1.3),
    })
    .prefault({}),
  embed: z
    .strictObject({
      /** `student` (default: the shipped distilled model), `teacher`, or a model directory. */
      model: z.string().default('student'),
      /** Side of the crops sent through the queue (px). */
      cropSize: z.number().int().min(8).max(160).default(32),
      /**
       * Extra margin per side around the chip window derived from the detector box (detect/chip-window.ts),
       * as a fraction of the window. 0 reproduces the training chip exactly.
       */
      cropMargin: z.number().min(0).max(1).default(0),
      /**
       * Re-cut tilted heads upright before embedding (detect/roll-correction.ts): the roll net estimates
       * each crop's in-plane roll, and crops tilted by at least `rollMinDegrees` are cut again turned by
       * it. The student is trained on upright chips: faces rolled 30° lose ~25 points of accuracy
       * (docs/BENCHMARKS.md, "Rolled faces").
       */
      rollCorrection: z.boolean().default(true),
      /**
       * Faces of at least this many px (detector box side) are embedded by the teacher followed by the
       * student's step-1 adapter instead of the student (models/size-routed.ts): same embedding space,
       * same gallery and cohort, and the `match.thresholds` rows from this size up are calibrated on
       * that path. Why 24: on LFW DevTest against the student's fused gallery, HR-LR accuracy at 24 /
       * 32 px is 94.7 / 97.0% this way against the student's 87.9 / 88.5%, and TAR at FAR 1e-4 rises
       * from 20% to 40 / 61% (docs/BENCHMARKS.md, "Session 9"); under 24 px the student stays the
       * better model at the operating points (16 px: TAR@1e-4 19.4% against the teacher path's 14.4%). It costs the teacher's time (~30x the student's) per such face:
       * `null` sends every face to the student (the fastest; recalibrate the 24 and 32 px rows then).
       */
      teacherFromPx: z.number().int().min(8).max(160).nullable().default(24),
      /**
       * Faces from this size up to `teacherFromPx` are embedded by both the student and the teacher +
       * adapter, and the two unit vectors blended with `blendWeights` (models/size-routed.ts): the models
       * err differently and the blend beats both. LFW DevTest against the fused gallery, HR-LR accuracy:
       * at 16 px 87.8% (student) / 90.4% (teacher path) / 90.9% (both), TAR at FAR 1e-3 39.8 / 34.0 /
       * 48.8% (docs/BENCHMARKS.md, "Session 9"); at 12 px 86.5% (student) / 87.7% (blend, teacher's
       * share 0.3), TAR at FAR 1e-3 33.0 / 37.0% ("Session 13"). 10 = `match.minFacePx`: smaller faces
       * are never named. Costs the teacher's time for those faces too; `null`: the student alone below
       * `teacherFromPx` (then recalibrate the rows from here up).
       */
      blendFromPx: z.number().int().min(8).max(160).nullable().default(10),
      /**
       * The teacher + adapter's share of a blended probe (`blendFromPx` up to `teacherFromPx`), by face
       * size: each row applies from its `minFacePx` up. Chosen on held-out DevTrain identities (LR-LR AUC
       * over 2,000 pairs at 8–16 px, shares 0 / 0.15 / 0.3 / 0.5 / 1): under 16 px the student is the
       * stronger model and 0.3 is best at every size tried (12 px: AUC 0.955 → 0.962, TAR at FAR 1e-4
       * 10.7 → 12.3%); from 16 px equal shares are (docs/BENCHMARKS.md, "Session 13").
       */
      blendWeights: z
        .array(z.strictObject({ minFacePx: z.number().min(0), teacherWeight: z.number().gt(0).lt(1) }))
        .min(1)
        .default([
          { minFacePx: 0, teacherWeight: 0.3 },
          { minFacePx: 16, teacherWeight: 0.5 },
        ]),
      rollMinDegrees: z.number().min(0).max(45).default(10),
      maxBatch: z.number().int().min(1).max(4096).default(256),
      maxWaitMs: z.number().min(0).max(1000).default(5),
      /** Queue jobs an embed worker handles at once (merged by the dynamic batcher). */
      concurrency: z.number().int().min(1).max(64).default(4),
    })
    .superRefine((e, ctx) => {
      if (e.blendFromPx !== null && e.teacherFromPx !== null && e.blendFromPx >= e.teacherFromPx) {
        ctx.addIssue({
          code: 'custom',
          path: ['blendFromPx'],
          message: `blendFromPx (${e.blendFromPx}) must be below teacherFromPx (${e.teacherFromPx}): from teacherFromPx the teacher is used alone (set blendFromPx: null to not blend)`,
        });
      }
    })
    .prefault({}),
  /**
   * How a watchlist photo becomes its stored vector, for every enrolment path (CLI, API, demo, replay)
   * and `eval --cross` (src/embed/resolution-matched.ts). Changing it needs a re-enrolment.
   */
  enrol: z
    .strictObject({
      /**
       * `fused` (default): the adapted HR vector plus the student's template of the photo rendered at CCTV
       * sizes; `adapted-hr`: the HR vector alone (the paper's gallery); `student-lr`: the template alone.
       * Measured on LFW DevTest, HR gallery vs 16 px probe: 82.7% (adapted-hr), 82.8% (student-lr),
       * 86.3% (fused) with the session-1 student (docs/BENCHMARKS.md, "Gallery modes").
       */
      gallery: z.enum(GALLERY_MODES).default('fused'),
      /** LR sides (px) the photo is rendered at for the student's template. */
      lrSizes: z.array(z.number().int().min(6).max(64)).min(1).max(8).default([12, 16, 24]),
      /** Also render the photo in greyscale (night/IR cameras). */
      greyscale: z.boolean().default(true),
      /**
       * Which network embeds those renderings (embed/resolution-matched.ts): `model`, the probe model
       * alone; `probe`, the path a CCTV face of each rendering's size takes under the `embed` section's
       * routing (blended, or the teacher + adapter), so gallery and probes come from the same networks.
       * The cohort records it (and the routing): changing it needs `bridgeface calibrate`.
       */
      templatePath: z.enum(TEMPLATE_PATHS).default('model'),
    })
    .prefault({}),
  queue: z
    .strictObject({
      maxBacklog: z.number().int().min(1).default(200),
      policy: z.enum(['drop-oldest', 'drop-newest']).default('drop-oldest'),
      attempts: z.number().int().min(1).max(20).default(3),
      /** Longest a camera worker holds crops to fill a batch (ms). */
      batchWaitMs: z.number().min(0).default(200),
      /** Crops per queue job. */
      batchFaces: z.number().int().min(1).default(64),
    })
    .prefault({}),
  match: z
    .strictObject({
      topK: z.number().int().min(1).max(100).default(5),
      minFacePx: z.number().min(0).default(10),
      /**
       * Thresholds by face size for the default model and gallery (the shipped student, the fused
       * enrolment of the `enrol` section), in the units of `scoreNorm`. Each row applies from its
       * `minFacePx` up (face px = detector box side ≈ probe chip side). Defaults: cohort-normalised
       * scores (`scoreNorm: cohort`: deviations above the probe's cohort scores) at FAR 1e-4 per
       * comparison — a watchlist of N people gives a stranger's track about N times that chance of a
       * false name, so 1e-3 would mean ~10% of strangers named on a 100-person list — calibrated by
       * `bridgeface calibrate --data <lfw> --far 1e-4` on held-out LFW DevTrain identities (never
       * DevTest), rounded up (docs/BENCHMARKS.md, "Operating points"). Each row is calibrated on the
       * path its sizes take (`embed.blendFromPx` / `blendWeights` / `teacherFromPx`: the student blended
       * with the teacher + adapter from 10 px, the teacher's share 0.3 under 16 px and 0.5 from 16, the
       * teacher + adapter alone from 24). With `scoreNorm: none` and the student
       * alone the calibration gives raw cosines 0.799 / 0.794 / 0.788 / 0.786. Recalibrate for another model, gallery mode, routing, normalisation or FAR.
       */
      thresholds: z
        .array(sizeThresholdSchema)
        .min(1)
        .default([
          { minFacePx: 0, threshold: 4.298 },
          { minFacePx: 16, threshold: 4.167 },
          { minFacePx: 24, threshold: 4.286 },
          { minFacePx: 32, threshold: 4.312 },
        ]),
      /**
       * Best minus runner-up raw cosine needed to name someone. Checked on held-out DevTrain identities
       * (`bridgeface calibrate` prints open-set identification by margin; docs/BENCHMARKS.md, "Session
       * 10"): at the default thresholds, over 12–32 px, 0.05 removes 6 of 8 wrong names and 3 of 14
       * false alarms for 4.6% of the correct names; 0.1 would cost 29% of them for one more wrong name.
       */
      minMargin: z.number().min(0).default(0.05),
      minQuality: z.number().min(0).max(1).default(0.05),
      /**
       * Score normalisation (match/cohort-norm.ts): `cohort` re-expresses a probe's cosines in standard
       * deviations above its top `cohortTopK` cosines to a cohort of unrelated people enrolled like the
       * watchlist (the probe model's `cohort.json`, written by `bridgeface calibrate`; the default);
       * `none` compares raw cosines. `thresholds` and event scores are in the units this selects:
       * change both together. Why the default (docs/BENCHMARKS.md, "Cohort score normalisation" and
       * "The demo"): on held-out LFW identities `cohort` raises TAR at FAR 1e-3 / 1e-4 by 3–6 points at
       * every size (8–10 points at FAR 1e-3 at 16–24 px on DevTest with the cohort of every training identity); a
       * probe from another camera or population that scores lower against everyone is compared with
       * its own cohort scores, and across model versions the normalised thresholds moved far less
       * than the raw ones; on the demo clip it names the same 3 of 4 as raw cosines with a far wider
       * gap to the passers-by.
       */
      scoreNorm: z.enum(['cohort', 'none']).default('cohort'),
      cohortTopK: z.number().int().min(2).max(10_000).default(100),
    })
    // Thresholds and scoreNorm must be changed together: catch the half-done switch at load time.
    .superRefine((m, ctx) => {
      // Raw cosine thresholds of these models sit in [0.5, 1] at FAR 1e-2 … 1e-4; cohort-normalised
      // ones above 1 (FAR ≤ 1e-3, ~2.5 and ~4) or below 0.5 (FAR 1e-2 with the large cohort, ~0.2), so a
      // config whose thresholds all fall in [0.5, 1] under `cohort` is a half-done switch from `none`.
      const cosineLike = m.thresholds.every((t) => t.threshold <= 1);
      const rawCosineBand = m.thresholds.every((t) => t.threshold >= 0.5 && t.threshold <= 1);
      if (m.scoreNorm === 'none' && !cosineLike) {
        ctx.addIssue({
          code: 'custom',
          path: ['thresholds'],
          message:
            'a threshold above 1 can never be reached by a cosine (scoreNorm: none): these look like cohort-normalised thresholds (the defaults are), so set scoreNorm: cohort, or give raw cosine thresholds with scoreNorm: none (`bridgeface calibrate` prints them)',
        });
      }
      if (m.scoreNorm === 'cohort' && rawCosineBand) {
        ctx.addIssue({
          code: 'custom',
          path: ['thresholds'],
          message:
            'thresholds between 0.5 and 1 look like cosine thresholds, not cohort-normalised ones: run `bridgeface calibrate` and use the thresholds it prints for scoreNorm: cohort (or set scoreNorm: none to keep cosines)',
        });
      }
    })
    .prefault({}),
  events: z
    .strictObject({
      maxLength: z.number().int().min(100).default(100_000),
      evidenceTtlSeconds: z.number().int().min(60).default(86_400),
      /** Which decisions store an evidence crop: only matches (default; privacy) or all. */
      evidenceFor: z.enum(['match', 'all']).default('match'),
      /** Also append events to this JSONL file. */
      jsonl: z.string().optional(),
    })
    .prefault({}),
  api: apiConfigSchema.prefault({}),
});

export type CameraConfig = z.output<typeof cameraSchema>;
export type RedisConfig = z.output<typeof configSchema>['redis'];
export type BridgefaceConfig = z.output<typeof configSchema>;
