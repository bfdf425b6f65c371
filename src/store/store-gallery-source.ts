import { Gallery } from '../match/gallery.ts';
import type { GallerySnapshot, GallerySource } from '../pipeline/gallery-source.ts';
import { log } from '../util/log.ts';
import { duplicateClient, type RedisClient } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';
import type { WatchlistStore } from './watchlist-store.ts';

/**
 * The watchlist in Redis, reloaded when its version moves: announced on a pub/sub channel, and checked
 * at most every `pollMs` as a fallback (pub/sub messages are lost while a subscriber reconnects).
 */
export class StoreGallerySource implements GallerySource {
  private snapshot: (GallerySnapshot & { version: number }) | undefined;
  private loading: Promise<GallerySnapshot> | undefined;
  private checkedAt = 0;
  private readonly subscriber: RedisClient;

  constructor(
    private readonly store: WatchlistStore,
    redis: RedisClient,
    keys: RedisKeys,
    private readonly model: string,
    private readonly dim: number,
    private readonly pollMs = 2000,
  ) {
    this.subscriber = duplicateClient(redis);
    this.subscriber.on('error', (err: Error) => log.warn({ err: err.message }, 'watchlist subscriber error'));
    this.subscriber.on('message', () => {
      this.checkedAt = 0; // force a version check on the next batch
    });
    void this.subscriber.subscribe(keys.watchlistChannel()).catch(() => {});
  }

  async current(): Promise<GallerySnapshot> {
    if (this.snapshot && Date.now() - this.checkedAt < this.pollMs) return this.snapshot;
    this.loading ??= this.refresh().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async refresh(): Promise<GallerySnapshot> {
    const version = await this.store.version();
    this.checkedAt = Date.now();
    if (this.snapshot && this.snapshot.version === version) return this.snapshot;
    const loaded = await this.store.loadGallery(this.model);
    const identities = await this.store.list();
    const names = new Map(identities.map((i) => [i.id, i.name]));
    const gallery = new Gallery(loaded.entries, loaded.dim || this.dim);
    const old = this.snapshot;
    this.snapshot = { gallery, names, version: loaded.version };
    old?.gallery.dispose();
    log.info({ identities: loaded.entries.length, version: loaded.version }, 'watchlist loaded');
    return this.snapshot;
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
    this.snapshot?.gallery.dispose();
  }
}
