/**
 * The rules an API token must pass at start (`bridgeface serve` refuses the others with a message):
 * - 16 to 512 characters of printable ASCII other than space, `,` and `:` — what an `Authorization:
 *   Bearer` header can carry and what BRIDGEFACE_API_TOKENS can split unambiguously;
 * - at least 8 different characters and at least 64 bits by the estimate length × log2(distinct
 *   characters), which refuses `aaaaaaaaaaaaaaaa` or `abababab…` while `openssl rand -hex 16` (32 hex
 *   digits, ~15 distinct) passes with a wide margin.
 * These catch typos and placeholders; they are no substitute for a random token.
 */

const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_LENGTH = 512;
const MIN_DISTINCT = 8;
const MIN_BITS = 64;

/** Token characters: printable ASCII except the separators of BRIDGEFACE_API_TOKENS. */
const TOKEN_CHARS = /^[\x21-\x2b\x2d-\x39\x3b-\x7e]+$/;

/** Why `token` is refused, or undefined when it is acceptable. Never contains the token. */
export function tokenWeakness(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH) {
    return `token must be ${MIN_TOKEN_LENGTH}-${MAX_TOKEN_LENGTH} characters (e.g. openssl rand -hex 16)`;
  }
  if (!TOKEN_CHARS.test(token)) {
    return "token may only contain printable ASCII without spaces, ',' or ':' (e.g. openssl rand -hex 16)";
  }
  const distinct = new Set(token).size;
  if (distinct < MIN_DISTINCT || token.length * Math.log2(distinct) < MIN_BITS) {
    return `token is too simple: use at least ${MIN_DISTINCT} different characters (e.g. openssl rand -hex 16)`;
  }
  return undefined;
}
