import { access, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DatasetError } from './dataset-error.ts';
import type { FaceDataset, Identity, ImagePair } from './types.ts';

/**
 * Labeled Faces in the Wild, read through its official protocol files (format: README.txt §3c/§3d).
 * devtrain/devtest are View 1 (development); view2 is the 10-fold reporting protocol.
 */
export type LfwSplit = 'devtrain' | 'devtest' | 'view2';

export const LFW_SPLITS: readonly LfwSplit[] = ['devtrain', 'devtest', 'view2'];

const PAIRS_FILE: Record<LfwSplit, string> = {
  devtrain: 'pairsDevTrain.txt',
  devtest: 'pairsDevTest.txt',
  view2: 'pairs.txt',
};
const PEOPLE_FILE: Record<LfwSplit, string> = {
  devtrain: 'peopleDevTrain.txt',
  devtest: 'peopleDevTest.txt',
  view2: 'people.txt',
};

export interface LfwOptions {
  /** Image folder under the root. @defaultValue 'images_deepfunneled' */
  readonly imagesDir?: string;
  /** Check that every referenced image exists (one stat per image). @defaultValue true */
  readonly checkFiles?: boolean;
}

export function parseLfwSplit(value: string): LfwSplit {
  if ((LFW_SPLITS as readonly string[]).includes(value)) return value as LfwSplit;
  throw new DatasetError(`unknown LFW split "${value}"; expected one of ${LFW_SPLITS.join(', ')}`);
}

/** `<root>/<imagesDir>/<name>/<name>_<4-digit i>.jpg` */
export function lfwImagePath(
  root: string,
  name: string,
  index: number,
  imagesDir = 'images_deepfunneled',
): string {
  return join(resolve(root), imagesDir, name, `${name}_${String(index).padStart(4, '0')}.jpg`);
}

/** Line reader with file:line context in every error; tolerates trailing blank lines only. */
class ProtocolReader {
  private readonly lines: string[];
  private pos = 0;
  constructor(
    private readonly file: string,
    text: string,
  ) {
    this.lines = text.replace(/\r/g, '').split('\n');
    while (this.lines.length > 0 && this.lines[this.lines.length - 1].trim() === '') this.lines.pop();
    if (this.lines.length === 0) throw new DatasetError(`${file}: file is empty`);
  }
  fail(message: string, lineNo = this.pos): never {
    throw new DatasetError(`${this.file}:${lineNo}: ${message}`);
  }
  /** Next line split on whitespace; error naming `expected` when the file ends early. */
  fields(expected: string): string[] {
    if (this.pos >= this.lines.length)
      this.fail(`unexpected end of file, expected ${expected}`, this.pos + 1);
    const line = this.lines[this.pos++].trim();
    if (line === '') this.fail(`blank line, expected ${expected}`);
    return line.split(/\s+/);
  }
  count(field: string, what: string): number {
    const n = Number(field);
    if (!Number.isInteger(n) || n < 0)
      this.fail(`expected ${what} as a non-negative integer, got "${field}"`);
    return n;
  }
  index(field: string): number {
    const n = Number(field);
    if (!Number.isInteger(n) || n < 1) this.fail(`expected an image number >= 1, got "${field}"`);
    return n;
  }
  end(): void {
    if (this.pos < this.lines.length) {
      this.fail(
        `unexpected extra content "${this.lines[this.pos].trim()}" after the declared entries`,
        this.pos + 1,
      );
    }
  }
}

async function readProtocol(root: string, file: string): Promise<ProtocolReader> {
  const abs = resolve(root);
  const info = await stat(abs).catch(() => null);
  if (!info?.isDirectory()) throw new DatasetError(`LFW root ${abs} does not exist or is not a directory`);
  const path = join(abs, file);
  const text = await readFile(path, 'utf8').catch(() => {
    throw new DatasetError(`LFW protocol file ${path} is missing`);
  });
  return new ProtocolReader(path, text);
}

function readPairBlock(
  reader: ProtocolReader,
  root: string,
  n: number,
  fold: number | null,
  imagesDir: string,
  out: ImagePair[],
): void {
  for (let i = 0; i < n; i++) {
    const f = reader.fields('a same pair "name i j"');
    if (f.length !== 3)
      reader.fail(`expected a same pair "name i j" (${i + 1} of ${n}), got ${f.length} fields`);
    const a = lfwImagePath(root, f[0], reader.index(f[1]), imagesDir);
    const b = lfwImagePath(root, f[0], reader.index(f[2]), imagesDir);
    out.push({ a, b, same: true, fold });
  }
  for (let i = 0; i < n; i++) {
    const f = reader.fields('a different pair "name1 i name2 j"');
    if (f.length !== 4) {
      reader.fail(`expected a different pair "name1 i name2 j" (${i + 1} of ${n}), got ${f.length} fields`);
    }
    const a = lfwImagePath(root, f[0], reader.index(f[1]), imagesDir);
    const b = lfwImagePath(root, f[2], reader.index(f[3]), imagesDir);
    out.push({ a, b, same: false, fold });
  }
}

async function checkExist(paths: Iterable<string>, what: string): Promise<void> {
  const unique = [...new Set(paths)];
  const missing: string[] = [];
  // Bounded parallelism: thousands of concurrent stats would exhaust file handles on small machines.
  for (let i = 0; i < unique.length; i += 64) {
    const batch = unique.slice(i, i + 64);
    const ok = await Promise.all(
      batch.map((p) =>
        access(p).then(
          () => true,
          () => false,
        ),
      ),
    );
    batch.forEach((p, k) => ok[k] || missing.push(p));
  }
  if (missing.length > 0) {
    throw new DatasetError(
      `${what}: ${missing.length} of ${unique.length} referenced images are missing, e.g. ${missing.slice(0, 3).join(', ')}`,
    );
  }
}

/**
 * Reads the verification pairs of a split. View 1 files: first line N, then N same and N different
 * pairs (fold null). View 2 (`pairs.txt`): first line "folds n", then per fold n same + n different.
 */
export async function loadLfwPairs(
  root: string,
  split: LfwSplit,
  options: LfwOptions = {},
): Promise<ImagePair[]> {
  const imagesDir = options.imagesDir ?? 'images_deepfunneled';
  const reader = await readProtocol(root, PAIRS_FILE[split]);
  const header = reader.fields('a header line');
  const pairs: ImagePair[] = [];
  if (split === 'view2') {
    if (header.length !== 2)
      reader.fail(`expected header "folds pairsPerClass" (e.g. "10 300"), got "${header.join(' ')}"`);
    const folds = reader.count(header[0], 'the number of folds');
    const n = reader.count(header[1], 'pairs per class per fold');
    for (let k = 0; k < folds; k++) readPairBlock(reader, root, n, k, imagesDir, pairs);
  } else {
    if (header.length !== 1)
      reader.fail(`expected a header with one number (pairs per class), got "${header.join(' ')}"`);
    readPairBlock(reader, root, reader.count(header[0], 'pairs per class'), null, imagesDir, pairs);
  }
  reader.end();
  if (options.checkFiles ?? true)
    await checkExist(
      pairs.flatMap((p) => [p.a, p.b]),
      PAIRS_FILE[split],
    );
  return pairs;
}

/** People of a split with their images, plus the View 2 fold each identity belongs to (else null). */
export interface LfwPeople extends FaceDataset {
  readonly folds: readonly (number | null)[];
}

/**
 * Reads the identities of a split. View 1 files: first line N, then N "name count" lines. View 2
 * (`people.txt`): first line the number of folds, then per fold a count line and that many entries.
 */
export async function loadLfwPeople(
  root: string,
  split: LfwSplit,
  options: LfwOptions = {},
): Promise<LfwPeople> {
  const imagesDir = options.imagesDir ?? 'images_deepfunneled';
  const reader = await readProtocol(root, PEOPLE_FILE[split]);
  const identities: Identity[] = [];
  const folds: (number | null)[] = [];
  const readBlock = (fold: number | null): void => {
    const header = reader.fields('a count line');
    if (header.length !== 1) reader.fail(`expected a count line with one number, got "${header.join(' ')}"`);
    const n = reader.count(header[0], 'the number of people');
    for (let i = 0; i < n; i++) {
      const f = reader.fields('"name count"');
      if (f.length !== 2) reader.fail(`expected "name count" (${i + 1} of ${n}), got ${f.length} fields`);
      const count = reader.count(f[1], 'an image count');
      const images = Array.from({ length: count }, (_, k) => lfwImagePath(root, f[0], k + 1, imagesDir));
      identities.push({ name: f[0], images });
      folds.push(fold);
    }
  };
  if (split === 'view2') {
    const header = reader.fields('the number of folds');
    if (header.length !== 1) reader.fail(`expected the number of folds, got "${header.join(' ')}"`);
    const nFolds = reader.count(header[0], 'the number of folds');
    for (let k = 0; k < nFolds; k++) readBlock(k);
  } else {
    readBlock(null);
  }
  reader.end();
  if (options.checkFiles ?? true)
    await checkExist(
      identities.flatMap((p) => p.images),
      PEOPLE_FILE[split],
    );
  return { root: resolve(root), identities, folds };
}
