import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbedder, defaultStudentDir } from '../models/registry.ts';
import { createStudentNet } from '../models/student/architecture.ts';
import { saveModelToDir } from '../models/student/model-io.ts';
import { initBackend } from '../runtime/backend.ts';

/** The model the loadgen's workers run, resolved to something every worker process can load. */
export interface LoadgenModel {
  /** `embed.model` for the workers' config (`teacher`, `student` or a directory). */
  readonly spec: string;
  /** Embedder name: events carry it and the synthetic watchlist is enrolled under it. */
  readonly name: string;
  readonly dim: number;
  /** Set when weights are untrained (random init): numbers measure speed only, never accuracy. */
  readonly note: string | null;
  /** Removes temporary files. Idempotent. */
  cleanup(): Promise<void>;
}

export const UNTRAINED_NOTE = 'untrained weights: speed only';

/**
 * `student` falls back, when the shipped weights are missing, to an untrained student of the same
 * architecture saved to a temporary directory named `student-untrained` (so its name in events and
 * reports says so): same cost per face, meaningless embeddings.
 */
export async function resolveLoadgenModel(spec: string): Promise<LoadgenModel> {
  let dir: string | undefined;
  let modelSpec = spec;
  let note: string | null = null;
  if (spec === 'student' && !(await stat(join(defaultStudentDir(), 'model.json')).catch(() => null))) {
    await initBackend();
    dir = await mkdtemp(join(tmpdir(), 'bf-loadgen-model-'));
    const net = createStudentNet();
    try {
      modelSpec = join(dir, 'student-untrained');
      await saveModelToDir(net, modelSpec);
    } finally {
      net.dispose();
    }
    note = UNTRAINED_NOTE;
  }
  const embedder = await createEmbedder(modelSpec);
  const { name, dim } = embedder;
  embedder.dispose();
  let cleaned: Promise<void> | undefined;
  return {
    spec: modelSpec,
    name,
    dim,
    note,
    cleanup() {
      cleaned ??= dir ? rm(dir, { recursive: true, force: true }) : Promise.resolve();
      return cleaned;
    },
  };
}
