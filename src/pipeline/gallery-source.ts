import type { GalleryEntry } from '../embed/gallery-entry.ts';
import { Gallery } from '../match/gallery.ts';

export interface GallerySnapshot {
  readonly gallery: Gallery;
  /** identity id → display name */
  readonly names: ReadonlyMap<string, string>;
}

/** The current watchlist as a searchable gallery. */
export interface GallerySource {
  current(): Promise<GallerySnapshot>;
  close(): Promise<void>;
}

/** A fixed watchlist (embedded mode, tests). */
export class StaticGallerySource implements GallerySource {
  private readonly snapshot: GallerySnapshot;
  constructor(entries: readonly GalleryEntry[], names: ReadonlyMap<string, string>, dim: number) {
    this.snapshot = { gallery: new Gallery(entries, dim), names };
  }
  async current(): Promise<GallerySnapshot> {
    return this.snapshot;
  }
  async close(): Promise<void> {
    this.snapshot.gallery.dispose();
  }
}
