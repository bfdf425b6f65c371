import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Which hosts a camera URL may reach. FFmpeg connects wherever a camera URL points, so a URL given
 * through the API could make it talk to Redis on loopback or to a cloud metadata service. Refused by
 * default (unless a configured network, `api.cameraNetworks`, contains the address):
 * unspecified (0.0.0.0/8, ::), loopback (127.0.0.0/8, ::1), link-local (169.254.0.0/16 — which holds
 * the AWS/GCP/Azure metadata address 169.254.169.254 — and fe80::/10) and other cloud metadata
 * addresses (100.100.100.200, fd00:ec2::254). IPv4-mapped IPv6 forms count as their IPv4 address.
 *
 * A URL's host is resolved as FFmpeg will resolve it (getaddrinfo, so `2130706433`, `0x7f.1` and
 * `localhost` are all 127.0.0.1) and every address must pass: at registration (the API) and again
 * in the camera worker before each FFmpeg start (a name may resolve elsewhere later).
 * Not covered: an HTTP server that redirects FFmpeg elsewhere, or DNS that changes between this check
 * and FFmpeg's own lookup a moment later.
 */

const REFUSED: readonly (readonly [cidr: string, kind: string])[] = [
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['100.100.100.200/32', 'cloud metadata'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['fd00:ec2::254/128', 'cloud metadata'],
];

const NETWORK_SCHEMES = new Set(['rtsp:', 'rtsps:', 'http:', 'https:']);

export interface Network {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/8`, `fd00::/8` or a single address (a /32 or /128); throws with what is wrong. */
export function parseNetwork(cidr: string): Network {
  const m = /^([0-9A-Fa-f.:]+)(?:\/(\d{1,3}))?$/.exec(cidr.trim());
  const version = m ? isIP(m[1]!) : 0;
  if (!m || version === 0) throw new Error(`'${cidr.slice(0, 64)}': expected an IP network like 10.0.0.0/8`);
  const max = version === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) throw new Error(`'${cidr}': prefix length must be 0-${max}`);
  return { address: m[1]!, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const n = parseNetwork(cidr);
    list.addSubnet(n.address, n.prefix, n.family);
  }
  return list;
}

/** A camera host resolves to an address the policy refuses. */
export class CameraUrlRefusedError extends Error {
  readonly code = 'CAMERA_URL_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'CameraUrlRefusedError';
  }
}

/** A camera host could not be resolved (it may resolve later: the worker retries). */
export class CameraHostUnresolvedError extends Error {
  readonly code = 'CAMERA_HOST_UNRESOLVED';
  constructor(host: string, cause: unknown) {
    super(`camera host ${host} does not resolve: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'CameraHostUnresolvedError';
  }
}

/** Every address of `host`, as getaddrinfo gives them. */
export type HostLookup = (host: string) => Promise<readonly string[]>;

const LOOKUP_TIMEOUT_MS = 5000;

async function systemLookup(host: string): Promise<readonly string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${LOOKUP_TIMEOUT_MS} ms`)), LOOKUP_TIMEOUT_MS);
  });
  try {
    const all = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
    return all.map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A network camera URL in the form to store and hand to FFmpeg (WHATWG-parsed and re-serialised, so
 * what was checked is what FFmpeg reads) with its host, or undefined for anything else (files).
 */
export function parseNetworkUrl(url: string): { href: string; host: string } | undefined {
  if (!/^(rtsps?|https?):\/\//i.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!NETWORK_SCHEMES.has(parsed.protocol) || parsed.hostname === '') return undefined;
  return { href: parsed.href, host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') };
}

export class CameraNetworkPolicy {
  private readonly allowed: BlockList;
  private readonly refused: readonly { list: BlockList; kind: string }[];

  /** `allowedNetworks`: CIDRs let through although a default rule refuses them (api.cameraNetworks). */
  constructor(
    allowedNetworks: readonly string[] = [],
    private readonly lookupHost: HostLookup = systemLookup,
  ) {
    this.allowed = blockList(allowedNetworks);
    this.refused = REFUSED.map(([cidr, kind]) => ({ list: blockList([cidr]), kind }));
  }

  /** The kind of address that makes `address` refused (`loopback`, …), or undefined when allowed. */
  refusal(address: string): string | undefined {
    const version = isIP(address);
    if (version === 0) return 'invalid';
    const family = version === 4 ? 'ipv4' : 'ipv6';
    if (this.allowed.check(address, family)) return undefined;
    return this.refused.find((r) => r.list.check(address, family))?.kind;
  }

  /**
   * Resolves a network URL's host and throws CameraUrlRefusedError when any of its addresses is
   * refused, CameraHostUnresolvedError when it does not resolve. Files and non-URLs pass unchecked.
   */
  async check(url: string): Promise<void> {
    const host = parseNetworkUrl(url)?.host;
    if (host === undefined) return;
    let addresses: readonly string[];
    try {
      addresses = await this.lookupHost(host);
    } catch (err) {
      throw new CameraHostUnresolvedError(host, err);
    }
    for (const address of addresses) {
      const kind = this.refusal(address);
      if (kind) {
        throw new CameraUrlRefusedError(
          `camera host ${host} resolves to ${address}, a ${kind} address: refused unless api.cameraNetworks allows it`,
        );
      }
    }
  }
}
