/**
 * The URL with its password (if any) replaced by `***`, for logs, reports and API responses; a string
 * that is not a URL comes back unchanged. One implementation for every place that shows a URL which
 * may carry credentials (camera URLs, Redis URLs).
 */
export function maskUrlPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
