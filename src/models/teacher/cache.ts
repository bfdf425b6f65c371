import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { decodeImage, decodeImageFile, encodeImage } from '../../image/decode.ts';
import type { FaceApiTeacher } from './teacher.ts';
import type { AlignedFace, AlignOptions, Box } from './types.ts';

/**
 * On-disk cache of teacher work so distillation never recomputes it. Layout under `cacheDir`:
 *
 * - `teacher/align/<k0k1>/<key>.json`: `{ found: false }` for a miss (no face: cached too, never
 *   retried), else `{ found: true, landmarks, box, score }`; the chip beside it as `<key>.png`.
 * - `teacher/embed/<k0k1>/<key>.f32`: the embedding as raw little-endian float32; an empty file is a
 *   miss (no face in that image).
 *
 * Keys are sha256 over the absolute path, file size and mtime, the teacher's alignment version,
 * model name, the align options and the caller's `version` string, so any change to one misses.
 */
export interface CacheOptions extends AlignOptions {
  /** Extra version string mixed into every key; bump it to invalidate. @defaultValue '' */
  readonly version?: string;
  /** Cache root. @defaultValue `teacher.cacheDir` */
  readonly cacheDir?: string;
}

export interface EmbedFilesOptions extends CacheOptions {
  /** Called after each file with how many are done. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Images aligned before one batched `embed` call. @defaultValue 32 */
  readonly batch?: number;
}

interface AlignRecord {
  readonly found: boolean;
  readonly landmarks?: number[];
  readonly box?: Box;
  readonly score?: number;
  readonly source?: string;
}

async function fileKey(
  teacher: FaceApiTeacher,
  path: string,
  kind: 'align' | 'embed',
  options: CacheOptions,
): Promise<{ file: string; source: string }> {
  const source = resolve(path);
  const st = await stat(source);
  const parts = [
    kind,
    source,
    st.size,
    st.mtimeMs,
    teacher.name,
    teacher.alignVersion,
    kind === 'embed' ? teacher.embedVersion : '',
    options.assumeCentred === true,
    options.minScore ?? null,
    // The padded retry for tight crops changed what non-centred alignment finds (centred keys unchanged).
    ...(options.assumeCentred === true ? [] : [`padded-retry-v2:${options.paddedRetry !== false}`]),
    options.version ?? '',
  ];
  const key = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  const root = options.cacheDir ?? teacher.cacheDir;
  return { file: join(root, 'teacher', kind, key.slice(0, 2), key), source };
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

async function readOrUndefined(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The best face of the image file (first of `teacher.align`), from the cache when present; `null` when
 * no face was found (also cached).
 */
export async function alignFileCached(
  teacher: FaceApiTeacher,
  path: string,
  options: CacheOptions = {},
): Promise<AlignedFace | null> {
  const { file, source } = await fileKey(teacher, path, 'align', options);
  const json = await readOrUndefined(`${file}.json`);
  if (json !== undefined) {
    const rec = JSON.parse(json.toString('utf8')) as AlignRecord;
    if (!rec.found) return null;
    const png = await readOrUndefined(`${file}.png`);
    if (png !== undefined && rec.landmarks && rec.box && rec.score !== undefined) {
      const chip = await decodeImage(png, `${file}.png`);
      return { chip, landmarks: Float32Array.from(rec.landmarks), box: rec.box, score: rec.score };
    }
  }
  const image = await decodeImageFile(source);
  const [face] = await teacher.align(image, options);
  if (face === undefined) {
    await writeAtomic(`${file}.json`, JSON.stringify({ found: false, source } satisfies AlignRecord));
    return null;
  }
  await writeAtomic(`${file}.png`, await encodeImage(face.chip, 'png'));
  const rec: AlignRecord = {
    found: true,
    landmarks: Array.from(face.landmarks),
    box: face.box,
    score: face.score,
    source,
  };
  await writeAtomic(`${file}.json`, JSON.stringify(rec));
  return face;
}

/**
 * Embeddings of the best face of each image file (`null` where none was found), computing and caching
 * only what is missing. Order follows `paths`.
 */
export async function embedFilesCached(
  teacher: FaceApiTeacher,
  paths: readonly string[],
  options: EmbedFilesOptions = {},
): Promise<(Float32Array | null)[]> {
  const out: (Float32Array | null)[] = new Array<Float32Array | null>(paths.length).fill(null);
  const batchSize = options.batch ?? 32;
  let done = 0;
  let pending: { index: number; file: string; chip: AlignedFace['chip'] }[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const vectors = await teacher.embed(pending.map((p) => p.chip));
    await Promise.all(
      pending.map(async (p, i) => {
        out[p.index] = vectors[i];
        const v = vectors[i];
        await writeAtomic(`${p.file}.f32`, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      }),
    );
    done += pending.length;
    options.onProgress?.(done, paths.length);
    pending = [];
  };
  for (let index = 0; index < paths.length; index++) {
    const { file } = await fileKey(teacher, paths[index], 'embed', options);
    const bytes = await readOrUndefined(`${file}.f32`);
    if (bytes !== undefined) {
      out[index] =
        bytes.length === 0
          ? null
          : new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      done++;
      options.onProgress?.(done, paths.length);
      continue;
    }
    const face = await alignFileCached(teacher, paths[index], options);
    if (face === null) {
      await writeAtomic(`${file}.f32`, new Uint8Array(0));
      done++;
      options.onProgress?.(done, paths.length);
      continue;
    }
    pending.push({ index, file, chip: face.chip });
    if (pending.length >= batchSize) await flush();
  }
  await flush();
  return out;
}
