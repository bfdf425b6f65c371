/** One Cluster startup node, parsed from `redis[s]://[user[:password]@]host[:port]`. */
export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
}

/**
 * Parses a Cluster startup node URL; throws a RangeError saying what is wrong. Stricter than ioredis'
 * own URL handling on purpose: a cluster has only database 0 and takes its options from the config, so a
 * path or query string is a mistake that would otherwise be silently ignored.
 */
export function parseRedisNodeUrl(url: string): RedisNodeAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`'${url}' is not a URL; expected redis://host:port`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RangeError(`'${url}': expected a redis:// or rediss:// URL`);
  }
  // URL keeps IPv6 literals bracketed; sockets want them bare.
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host.length === 0) throw new RangeError(`'${url}': no host`);
  if (u.pathname !== '' && u.pathname !== '/' && u.pathname !== '/0') {
    throw new RangeError(`'${url}': Redis Cluster has only database 0; remove '${u.pathname}'`);
  }
  if (u.search !== '') throw new RangeError(`'${url}': query options are not supported for cluster nodes`);
  return {
    host,
    port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
  };
}
