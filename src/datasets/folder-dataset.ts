import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { DatasetError } from './dataset-error.ts';
import type { FaceDataset, Identity } from './types.ts';

export type { FaceDataset, Identity } from './types.ts';

/** Extensions the loader accepts (lower-cased); everything else in the folders is ignored. */
const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.pgm']);

function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase()) && !name.startsWith('.');
}

/**
 * Loads `<root>/<identity>/<image>`. Identities without images are skipped (an empty folder is not a
 * person); loose files at the root and non-image files are ignored. Throws when the root is missing,
 * not a directory, or yields no images at all.
 */
export async function loadFolderDataset(root: string): Promise<FaceDataset> {
  const abs = resolve(root);
  const info = await stat(abs).catch(() => null);
  if (!info) throw new DatasetError(`dataset root ${abs} does not exist`);
  if (!info.isDirectory()) throw new DatasetError(`dataset root ${abs} is not a directory`);
  const entries = await readdir(abs, { withFileTypes: true });
  const identities: Identity[] = [];
  for (const dir of entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'))) {
    const files = await readdir(join(abs, dir.name), { withFileTypes: true });
    const images = files
      .filter((f) => f.isFile() && isImageFile(f.name))
      .map((f) => join(abs, dir.name, f.name))
      .sort();
    if (images.length > 0) identities.push({ name: dir.name, images });
  }
  identities.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (identities.length === 0) {
    throw new DatasetError(
      `dataset root ${abs} has no images: expected <root>/<identity>/<image> with ${[...IMAGE_EXTENSIONS].join('/')}`,
    );
  }
  return { root: abs, identities };
}

/** Total images in a dataset. */
export function countImages(dataset: FaceDataset): number {
  return dataset.identities.reduce((n, id) => n + id.images.length, 0);
}
