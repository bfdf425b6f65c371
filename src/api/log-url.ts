/** Query parameters of the API, logged as sent; every other parameter's value is redacted. */
const LOGGED_PARAMS = new Set([
  'camera',
  'identity',
  'decision',
  'from',
  'to',
  'cursor',
  'limit',
  'offset',
  'q',
  'lastEventId',
]);

/**
 * A request URL as it may be logged: the path, and the query with the value of every parameter the
 * API does not define replaced by `[redacted]` (a client that sends `?token=…` or `?access_token=…`
 * must not see it in the logs). Deny by default: a parameter is logged only when it is known.
 */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq < 0 || LOGGED_PARAMS.has(name) ? pair : `${name}=[redacted]`;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}
