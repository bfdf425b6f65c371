// @ts-check
// Page helpers: element lookup by the page's stable ids (index.html), the status line, times.

/**
 * The element with this id. The ids are the page's contract with this code and with the browser
 * test, so a missing one is a bug: it throws.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`console: no element #${id}`);
  return el;
}

/**
 * An `<input>` (or `<select>`) by id: something with a value.
 * @param {string} id
 * @returns {HTMLInputElement}
 */
export function $input(id) {
  return /** @type {HTMLInputElement} */ ($(id));
}

/**
 * A `<form>` by id.
 * @param {string} id
 * @returns {HTMLFormElement}
 */
export function $form(id) {
  return /** @type {HTMLFormElement} */ ($(id));
}

/**
 * Shows a line in the status bar (empty clears it).
 * @param {string} [text]
 */
export function setStatus(text) {
  $('status-line').textContent = text || '';
}

/**
 * A wall-clock time in the browser's locale.
 * @param {number} ms epoch milliseconds
 */
export function fmtTime(ms) {
  return new Date(ms).toLocaleString();
}

/**
 * The message of something caught.
 * @param {unknown} e
 */
export function messageOf(e) {
  return e instanceof Error ? e.message : String(e);
}
