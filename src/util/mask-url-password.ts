/** A URL anywhere in a text: a scheme, `://`, then everything up to whitespace or a quote. */
const URL_IN_TEXT = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>`]+/g;

/** The userinfo of a URL: after `scheme://`, up to the last `@` before the path, query or fragment. */
const USERINFO = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)@/;

/** A query or matrix parameter. */
const PARAM = /([?&;])([^=&#;]+)=([^&#;]*)/g;

/** Parameter names that carry credentials in camera and service URLs (`pwd`, `password`, `token`, …). */
const SECRET_PARAM = /pass|pwd|^pw$|token|secret|key|auth|sig|cred|^user|^usr|login/i;

const MASK = '***';

function maskUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(':');
  // A user name alone may be the credential (token-as-user): masked whole.
  return colon < 0 ? MASK : `${userinfo.slice(0, colon)}:${MASK}`;
}

function paramName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function maskUrl(url: string): string {
  return url
    .replace(USERINFO, (_m, scheme: string, userinfo: string) => `${scheme}${maskUserinfo(userinfo)}@`)
    .replace(PARAM, (m, sep: string, name: string, value: string) =>
      value !== '' && SECRET_PARAM.test(paramName(name)) ? `${sep}${name}=${MASK}` : m,
    );
}

/**
 * Masks the credentials of every URL in `text`: a password (`user:***@`), a user name alone
 * (`***@`), and query parameters that carry secrets (`?user=***&pwd=***`, `token=`, `key=`, …).
 * `text` may be a URL or a message quoting URLs (an FFmpeg error line); the rest is unchanged. The
 * one function for everything that shows a URL which may carry credentials — camera URLs in API
 * responses, camera statuses and worker logs, Redis URLs — so that no path forgets a form.
 */
export function maskUrlPassword(text: string): string {
  return text.replace(URL_IN_TEXT, maskUrl);
}
