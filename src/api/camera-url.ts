import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  CameraHostUnresolvedError,
  CameraNetworkPolicy,
  CameraUrlRefusedError,
  parseNetworkUrl,
} from '../decode/camera-network-policy.ts';
import { ApiError } from './api-error.ts';

const NETWORK_SCHEMES = new Set(['rtsp:', 'rtsps:', 'http:', 'https:']);
const DEFAULT_POLICY = new CameraNetworkPolicy();

function reject(message: string): ApiError {
  return new ApiError('CAMERA_URL_REJECTED', message);
}

/**
 * Checks a camera URL given through the API and returns the form to store: rtsp, rtsps, http and
 * https URLs with a host that the camera network policy allows (stored as parsed and re-serialised,
 * which is what the worker checks again and hands to FFmpeg), or a file that resolves (symlinks
 * included) inside `filesDir`. A file is given as `file:///abs/path`, an absolute path, or a path
 * relative to `filesDir`; `..` escapes, NUL bytes and every other scheme (javascript:, data:, ftp:, …)
 * are rejected. A host that does not resolve here is accepted: the worker checks it before connecting.
 */
export async function checkCameraUrl(
  url: string,
  filesDir: string | undefined,
  policy: CameraNetworkPolicy = DEFAULT_POLICY,
): Promise<string> {
  if (url.length > 2048) throw reject('camera url: at most 2048 characters');
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\0-\x1f\x7f]/.test(url)) throw reject('camera url: control characters are not allowed');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'file') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw reject('camera url: not a valid URL');
    }
    if (!NETWORK_SCHEMES.has(parsed.protocol)) {
      throw reject(`camera url: scheme '${scheme}:' is not allowed (rtsp, rtsps, http, https or a file)`);
    }
    const network = parseNetworkUrl(url);
    if (parsed.hostname === '' || !network) throw reject('camera url: a host is required');
    await checkNetwork(network.href, policy);
    return network.href;
  }
  return checkFile(url, scheme === 'file', filesDir);
}

async function checkNetwork(href: string, policy: CameraNetworkPolicy): Promise<void> {
  try {
    await policy.check(href);
  } catch (err) {
    if (err instanceof CameraUrlRefusedError) throw reject(`camera url: ${err.message}`);
    if (!(err instanceof CameraHostUnresolvedError)) throw err;
  }
}

async function checkFile(url: string, isFileUrl: boolean, filesDir: string | undefined): Promise<string> {
  if (!filesDir)
    throw reject('camera url: file cameras are disabled (set api.filesDir or BRIDGEFACE_FILES_DIR)');
  let path = url;
  if (isFileUrl) {
    try {
      const u = new URL(url);
      if (u.host !== '') throw new Error('remote file URL');
      path = decodeURIComponent(u.pathname);
    } catch {
      throw reject('camera url: not a valid local file URL');
    }
  }
  if (path.includes('\0')) throw reject('camera url: control characters are not allowed');
  const root = await realpath(resolve(filesDir)).catch(() => {
    throw reject('camera url: the files directory does not exist');
  });
  const lexical = resolve(root, path);
  if (!inside(root, lexical)) throw reject('camera url: file is outside the allowed files directory');
  const real = await realpath(lexical).catch(() => {
    throw reject('camera url: file not found in the allowed files directory');
  });
  if (!inside(root, real)) throw reject('camera url: file is outside the allowed files directory');
  return real;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
