import { basename } from 'node:path';
import { configSchema, type BridgefaceConfig } from '../config/schema.ts';
import { locateFfmpeg } from '../decode/ffmpeg-binary.ts';
import { probeClip, type ClipInfo } from '../decode/probe-clip.ts';
import { loadWatchlistFolder } from '../datasets/watchlist-folder.ts';
import { createEnroller } from '../embed/enroller.ts';
import type { IdentityEvent } from '../events/identity-event.ts';
import { decodeImageFile } from '../image/decode.ts';
import type { GalleryEntry } from '../embed/gallery-entry.ts';
import { createProbeEmbedder } from '../models/registry.ts';
import { runEmbedded, type EmbeddedRunSummary } from '../pipeline/embedded.ts';
import { StaticGallerySource } from '../pipeline/gallery-source.ts';
import type { ClipTruth } from './clip-truth.ts';
import { inFrameOrder, scoreReplay, type ReplayScore } from './replay-score.ts';
import { assignTracks } from './track-assignment.ts';

/** Progress of the stages of a replay (StageLine in the CLI). */
export interface ReplayProgress {
  start(stage: string): void;
  update(detail: string): void;
  done(detail?: string): void;
}

export interface ReplayOptions {
  readonly clip: string;
  /** Watchlist folder (src/datasets/watchlist-folder.ts). */
  readonly watchlist: string;
  /** Site config: thresholds, detector, tracker, embed settings; its cameras are not run. */
  readonly config: BridgefaceConfig;
  /** Probe model; @defaultValue the config's `embed.model` */
  readonly model?: string;
  /** Decoding rate; @defaultValue the clip's own */
  readonly fps?: number;
  /** A camera of the config whose `minFacePx` and `ignoreZones` apply to the clip. */
  readonly camera?: string;
  readonly truth?: ClipTruth;
  readonly progress?: ReplayProgress;
}

export interface ReplayResult {
  readonly clip: ClipInfo;
  readonly model: string;
  /** Watchlist identity ids, sorted. */
  readonly identities: readonly string[];
  readonly summary: EmbeddedRunSummary;
  /** Every event of the run in frame order. */
  readonly events: readonly IdentityEvent[];
  /** Present when a truth was given. */
  readonly score?: ReplayScore;
}

/** Raised for replay options that cannot work (unknown `camera`, no ffmpeg). */
export class ReplayError extends Error {
  readonly code = 'REPLAY_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

/** The config the clip runs under: the site's settings with the clip as its only camera. */
function replayConfig(o: ReplayOptions, clip: ClipInfo, model: string): BridgefaceConfig {
  const site = o.camera === undefined ? undefined : o.config.cameras.find((c) => c.id === o.camera);
  if (o.camera !== undefined && !site) throw new ReplayError(`the config has no camera ${o.camera}`);
  return configSchema.parse({
    ...o.config,
    cameras: [
      {
        id: 'replay',
        url: o.clip,
        fps: o.fps ?? clip.fps,
        width: clip.width,
        height: clip.height,
        ...(site ? { minFacePx: site.minFacePx, ignoreZones: site.ignoreZones } : {}),
      },
    ],
    embed: { ...o.config.embed, model },
  });
}

/**
 * `bridgeface replay`: one pass of the embedded pipeline (no Redis) over a video file, with a watchlist
 * enrolled from a folder through the enrolment path every other command uses, and the site's
 * thresholds, detector and tracker. Scored against a truth when one is given.
 */
export async function runReplay(o: ReplayOptions): Promise<ReplayResult> {
  const ffmpeg = await locateFfmpeg();
  if (!ffmpeg) throw new ReplayError('no ffmpeg found: install ffmpeg or run npm install');
  const clip = await probeClip(ffmpeg.path, o.clip);
  const model = o.model ?? o.config.embed.model;
  const config = replayConfig(o, clip, model);
  const folder = await loadWatchlistFolder(o.watchlist);

  o.progress?.start(`enrolling the watchlist (${folder.length} identities, ${model} space)`);
  const entries: GalleryEntry[] = [];
  const enroller = await createEnroller(model, config.enrol, config.embed);
  try {
    for (const identity of folder) {
      const embeddings: Float32Array[] = [];
      for (const photo of identity.photos)
        embeddings.push(await enroller.enrolPhoto(await decodeImageFile(photo), basename(photo)));
      entries.push({ identityId: identity.id, embeddings });
    }
  } finally {
    enroller.dispose();
  }
  o.progress?.done(`${entries.reduce((n, e) => n + e.embeddings.length, 0)} photos`);

  const camera = config.cameras[0]!;
  o.progress?.start(`replaying ${basename(o.clip)} (${clip.width}x${clip.height} at ${camera.fps} fps)`);
  const probe = await createProbeEmbedder(model, config.embed);
  const gallery = new StaticGallerySource(entries, new Map(folder.map((i) => [i.id, i.id])), probe.dim);
  let summary: EmbeddedRunSummary;
  try {
    summary = await runEmbedded(config, {
      embedder: probe,
      gallery,
      sink: { append: async () => {} },
      onProgress: (p) => o.progress?.update(`${p.frames} frames, ${p.events} events`),
    });
  } finally {
    await gallery.close();
    probe.dispose();
  }
  o.progress?.done(`${summary.frames} frames, ${summary.events.length} events`);

  const score = o.truth
    ? scoreReplay({
        truth: o.truth,
        enrolled: new Set(folder.map((i) => i.id)),
        events: summary.events,
        trackSubjects: assignTracks(o.truth, summary.trackSightings),
        frames: summary.frames,
        seconds: summary.seconds,
      })
    : undefined;
  return {
    clip,
    model: probe.name,
    identities: folder.map((i) => i.id),
    summary,
    events: inFrameOrder(summary.events),
    ...(score ? { score } : {}),
  };
}
