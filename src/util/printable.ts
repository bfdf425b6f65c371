/**
 * Characters that must not reach a terminal or a stored display name: C0 and C1 controls (ESC starts
 * ANSI/OSC sequences), bidirectional controls (which reorder what is shown: "Trojan Source") and the
 * line/paragraph separators.
 */
export const UNSAFE_TEXT = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
const UNSAFE_TEXT_ALL = new RegExp(UNSAFE_TEXT.source, 'gu');

/** `text` with every unsafe character replaced by U+FFFD, for printing data that came from outside. */
export function printable(text: string): string {
  return text.replace(UNSAFE_TEXT_ALL, '\ufffd');
}
