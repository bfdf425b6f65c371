import { readdir, stat } from 'node:fs/promises';
import { extname, join, parse, resolve } from 'node:path';
import { DatasetError } from './dataset-error.ts';

/** One identity of a watchlist folder: its id (file or folder name) and its photos. */
export interface WatchlistFolderEntry {
  readonly id: string;
  readonly photos: readonly string[];
}

const PHOTO_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png']);

const isPhoto = (name: string): boolean =>
  PHOTO_EXTENSIONS.has(extname(name).toLowerCase()) && !name.startsWith('.');

/**
 * Reads a watchlist laid out as `<dir>/<identity>.<jpg|png>` (one photo) or `<dir>/<identity>/*.<jpg|png>`
 * (several): the identity id is the file name without extension, or the folder name. Two sources of
 * one id are merged; other files are ignored. Throws when the folder is missing or holds no photo.
 */
export async function loadWatchlistFolder(dir: string): Promise<WatchlistFolderEntry[]> {
  const abs = resolve(dir);
  const info = await stat(abs).catch(() => null);
  if (!info?.isDirectory())
    throw new DatasetError(`watchlist folder ${abs} does not exist or is not a folder`);
  const photos = new Map<string, string[]>();
  const add = (id: string, path: string): void => void photos.set(id, [...(photos.get(id) ?? []), path]);
  for (const entry of await readdir(abs, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isFile() && isPhoto(entry.name)) add(parse(entry.name).name, join(abs, entry.name));
    else if (entry.isDirectory()) {
      const files = await readdir(join(abs, entry.name), { withFileTypes: true });
      for (const f of files)
        if (f.isFile() && isPhoto(f.name)) add(entry.name, join(abs, entry.name, f.name));
    }
  }
  if (photos.size === 0) {
    throw new DatasetError(
      `watchlist folder ${abs} has no photos: expected <identity>.jpg|png or <identity>/<photo>.jpg|png`,
    );
  }
  return [...photos]
    .map(([id, p]) => ({ id, photos: p.sort() }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
