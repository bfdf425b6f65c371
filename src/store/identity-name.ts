import { UNSAFE_TEXT } from '../util/printable.ts';

/** Longest identity name, in UTF-16 code units (JavaScript's length: an emoji usually counts 2). */
const MAX_IDENTITY_NAME = 200;

export class IdentityNameError extends RangeError {
  readonly code = 'IDENTITY_NAME_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'IdentityNameError';
  }
}

/**
 * The stored form of an identity name (trimmed), or IdentityNameError: 1-200 UTF-16 code units, no
 * control, bidirectional-control or line-separator characters. One rule for the API (checked before
 * any photo is decoded), the CLI and the store.
 */
export function checkIdentityName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > MAX_IDENTITY_NAME) {
    throw new IdentityNameError(
      `name: 1-${MAX_IDENTITY_NAME} characters (UTF-16 code units; most emoji count 2), got ${name.length}`,
    );
  }
  if (UNSAFE_TEXT.test(name)) {
    throw new IdentityNameError('name: control and bidirectional-control characters are not allowed');
  }
  return name;
}
