import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-connection.ts';
import type { GalleryEntry } from '../embed/gallery-entry.ts';
import type { RedisKeys } from './redis-keys.ts';
import { checkIdentityName } from './identity-name.ts';

export interface Identity {
  readonly id: string;
  readonly name: string;
  readonly createdAtMs: number;
  /** Number of enrolment embeddings (one per accepted photo). */
  readonly photos: number;
  /** Embedding space the enrolments live in (model name), so a model change is detectable. */
  readonly model: string;
  readonly dim: number;
}

export interface Enrolment {
  readonly name: string;
  readonly model: string;
  readonly embeddings: readonly Float32Array[];
  /** Optional enrolment photos (JPEG), kept for the operator console. */
  readonly photos?: readonly Buffer[];
}

function toBuffer(embeddings: readonly Float32Array[]): Buffer {
  const dim = embeddings[0]?.length ?? 0;
  const out = Buffer.alloc(embeddings.length * dim * 4);
  for (const [i, e] of embeddings.entries()) {
    if (e.length !== dim) throw new RangeError('all embeddings of an identity must have the same dimension');
    Buffer.from(e.buffer, e.byteOffset, e.byteLength).copy(out, i * dim * 4);
  }
  return out;
}

function fromBuffer(buf: Buffer, dim: number): Float32Array[] {
  const aligned = new Float32Array(new Uint8Array(buf).buffer); // copy: Redis buffers are not 4-byte aligned
  const out: Float32Array[] = [];
  for (let o = 0; o + dim <= aligned.length; o += dim) out.push(aligned.subarray(o, o + dim));
  return out;
}

/**
 * The watchlist in Redis: identities, their enrolment embeddings (binary float32) and photos. Every
 * change bumps a version counter and is announced on a channel so matchers reload their gallery.
 * Deleting an identity deletes all of its data.
 */
export class WatchlistStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async enrol(enrolment: Enrolment): Promise<Identity> {
    const name = checkIdentityName(enrolment.name);
    if (enrolment.embeddings.length === 0) throw new RangeError(`identity '${name}': no enrolment embedding`);
    const id = randomUUID();
    const dim = enrolment.embeddings[0]!.length;
    const identity: Identity = {
      id,
      name,
      createdAtMs: Date.now(),
      photos: enrolment.embeddings.length,
      model: enrolment.model,
      dim,
    };
    const tx = this.redis.multi();
    tx.hset(this.keys.identity(id), {
      name,
      createdAtMs: String(identity.createdAtMs),
      photos: String(identity.photos),
      model: identity.model,
      dim: String(dim),
    });
    tx.set(this.keys.embeddings(id), toBuffer(enrolment.embeddings));
    for (const [i, p] of (enrolment.photos ?? []).entries()) tx.hset(this.keys.photos(id), String(i), p);
    tx.sadd(this.keys.watchlistIds(), id);
    tx.incr(this.keys.watchlistVersion());
    await tx.exec();
    await this.announce();
    return identity;
  }

  /** Removes an identity and all its data; false when it did not exist. */
  async remove(id: string): Promise<boolean> {
    const tx = this.redis.multi();
    tx.srem(this.keys.watchlistIds(), id);
    tx.del(this.keys.identity(id), this.keys.embeddings(id), this.keys.photos(id));
    tx.incr(this.keys.watchlistVersion());
    const res = await tx.exec();
    await this.announce();
    return Number(res?.[0]?.[1] ?? 0) === 1;
  }

  async get(id: string): Promise<Identity | undefined> {
    const h = await this.redis.hgetall(this.keys.identity(id));
    if (!h.name) return undefined;
    return {
      id,
      name: h.name,
      createdAtMs: Number(h.createdAtMs),
      photos: Number(h.photos),
      model: h.model ?? '',
      dim: Number(h.dim),
    };
  }

  async list(): Promise<Identity[]> {
    const ids = await this.redis.smembers(this.keys.watchlistIds());
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((x): x is Identity => x !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  async photo(id: string, index: number): Promise<Buffer | null> {
    return this.redis.hgetBuffer(this.keys.photos(id), String(index));
  }

  async version(): Promise<number> {
    return Number((await this.redis.get(this.keys.watchlistVersion())) ?? 0);
  }

  /** Everything a matcher needs, with the version it corresponds to. */
  async loadGallery(model: string): Promise<{ version: number; dim: number; entries: GalleryEntry[] }> {
    const version = await this.version();
    const identities = (await this.list()).filter((i) => i.model === model);
    const entries = await Promise.all(
      identities.map(async (i) => {
        const buf = await this.redis.getBuffer(this.keys.embeddings(i.id));
        return { identityId: i.id, embeddings: buf ? fromBuffer(buf, i.dim) : [] };
      }),
    );
    return { version, dim: identities[0]?.dim ?? 0, entries };
  }

  private async announce(): Promise<void> {
    await this.redis.publish(this.keys.watchlistChannel(), String(await this.version()));
  }
}
