import type { Command } from 'commander';
import { configOrDefaults } from '../options.ts';
import { basename } from 'node:path';
import type { BridgefaceConfig } from '../../config/schema.ts';
import { createEnroller } from '../../embed/enroller.ts';
import { decodeImageFile } from '../../image/decode.ts';
import { createRedisClient } from '../../store/redis-connection.ts';
import { RedisKeys } from '../../store/redis-keys.ts';
import { WatchlistStore } from '../../store/watchlist-store.ts';
import { readFile } from 'node:fs/promises';
import { checkIdentityName } from '../../store/identity-name.ts';
import { printable } from '../../util/printable.ts';

interface StoreOptions {
  readonly config?: string;
}

async function withStore<T>(
  o: StoreOptions,
  fn: (store: WatchlistStore, config: BridgefaceConfig) => Promise<T>,
): Promise<T> {
  const config = await configOrDefaults(o.config);
  const redis = createRedisClient(config.redis, { maxRetriesPerRequest: 1, connectTimeout: 5000 });
  try {
    return await fn(new WatchlistStore(redis, new RedisKeys(config.redis.prefix)), config);
  } finally {
    redis.disconnect();
  }
}

export function register(program: Command): void {
  program
    .command('enroll')
    .description('add an identity to the watchlist from HR photos (each must show exactly one face)')
    .requiredOption('--name <name>', 'display name, e.g. "Jane Doe"')
    .option('--config <file>', 'pipeline config (Redis, embed model)')
    .argument('<photos...>', 'JPEG/PNG photos of the person')
    .action(async (photos: string[], o: StoreOptions & { name: string }) => {
      const name = checkIdentityName(o.name); // before loading models or reading photos
      await withStore(o, async (store, config) => {
        // The watchlist lives in the probe model's space: the student's (teacher + adapter) by default.
        const enroller = await createEnroller(config.embed.model, config.enrol, config.embed);
        try {
          const embeddings: Float32Array[] = [];
          const jpegs: Buffer[] = [];
          for (const photo of photos) {
            const image = await decodeImageFile(photo, { maxPixels: config.api.maxEnrolPixels });
            embeddings.push(await enroller.enrolPhoto(image, basename(photo)));
            jpegs.push(await readFile(photo));
          }
          const identity = await store.enrol({
            name,
            model: enroller.model,
            embeddings,
            photos: jpegs,
          });
          console.log(
            `enrolled ${printable(identity.name)} (${identity.id}) from ${photos.length} photo(s) in the ${identity.model} space`,
          );
        } finally {
          enroller.dispose();
        }
      });
    });

  const wl = program.command('watchlist').description('list or remove watchlist identities');
  wl.command('ls')
    .description('list the watchlist identities: id, name, photo count, embedding model')
    .option('--config <file>', 'pipeline config (Redis)')
    .option('--json', 'print JSON')
    .action(async (o: StoreOptions & { json?: boolean }) => {
      await withStore(o, async (store) => {
        const all = await store.list();
        if (o.json) console.log(JSON.stringify(all, null, 2));
        // Names come from uploads: escapes and bidi controls are replaced, never sent to the terminal.
        else
          for (const i of all)
            console.log(`${i.id}  ${printable(i.name)}  photos=${i.photos}  model=${printable(i.model)}`);
        if (!o.json && all.length === 0) console.log('(watchlist empty)');
      });
    });
  wl.command('rm')
    .description('remove an identity with its photos and embeddings')
    .argument('<id>', 'identity id (see watchlist ls)')
    .option('--config <file>', 'pipeline config (Redis)')
    .action(async (id: string, o: StoreOptions) => {
      await withStore(o, async (store) => {
        if (!(await store.remove(id)))
          throw Object.assign(new Error(`no identity ${id} on the watchlist`), { code: 'NOT_FOUND' });
        console.log(`removed ${id} and all its data`);
      });
    });
}
