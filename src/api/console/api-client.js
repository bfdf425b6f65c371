// @ts-check
// The HTTP API as the console calls it: every request carries the bearer token the operator typed
// (kept in sessionStorage only); errors carry the API's code and message.

/** The signed-in session: the token, and object URLs of fetched images (revoked when the feed restarts). */
export const session = {
  token: sessionStorage.getItem('bf-token') || '',
  /** @type {string[]} */
  blobUrls: [],
};

/** A non-2xx answer of the API: `status` is the HTTP status, the message `code: message`. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * Calls the API with the session's token.
 * @param {string} path
 * @param {RequestInit & { headers?: Record<string, string> }} [options]
 * @returns {Promise<Response>}
 */
export async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {}, { authorization: `Bearer ${session.token}` });
  const res = await fetch(path, Object.assign({}, options, { headers }));
  if (!res.ok) {
    let message = `${res.status}`;
    try {
      const body = await res.json();
      message = body.error ? `${body.error.code}: ${body.error.message}` : message;
    } catch {
      // not JSON
    }
    throw new ApiError(message, res.status);
  }
  return res;
}

/**
 * Calls the API and parses the JSON answer as `T`.
 * @template T
 * @param {string} path
 * @param {RequestInit & { headers?: Record<string, string> }} [options]
 * @returns {Promise<T>}
 */
export async function apiJson(path, options) {
  return (await api(path, options)).json();
}

/**
 * Loads an image that needs the token (evidence crops, enrolled photos) into `img` as a blob URL.
 * @param {HTMLImageElement} img
 * @param {string} path
 */
export async function imageInto(img, path) {
  try {
    const blob = await (await api(path)).blob();
    const url = URL.createObjectURL(blob);
    session.blobUrls.push(url);
    img.src = url;
  } catch {
    img.alt = 'not available';
  }
}
