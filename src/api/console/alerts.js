// @ts-check
// The Alerts page: the feed of identity events (older pages by cursor, live ones over SSE resumed with
// Last-Event-ID), filters, and acknowledgement. Data is inserted with textContent, never as HTML.
import { api, apiJson, ApiError, imageInto, session } from './api-client.js';
import { $, $input, fmtTime, messageOf, setStatus } from './dom.js';

/** @typedef {import('./types.js').AlertEvent} AlertEvent */
/** @typedef {import('./types.js').Ack} Ack */

const feed = {
  /** @type {AbortController | null} */
  abort: null,
  /** @type {string | null} the last event id seen: the live stream resumes after it */
  lastId: null,
  /** @type {string | null} */
  nextCursor: null,
};

function filters() {
  const q = new URLSearchParams();
  if ($input('filter-decision').value) q.set('decision', $input('filter-decision').value);
  if ($input('filter-camera').value.trim()) q.set('camera', $input('filter-camera').value.trim());
  return q;
}

/**
 * The element of `li` matching a selector of the alert template (index.html).
 * @param {HTMLElement} li
 * @param {string} selector
 * @returns {HTMLElement}
 */
function part(li, selector) {
  return /** @type {HTMLElement} */ (li.querySelector(selector));
}

/**
 * Adds an event to the feed (once per stream id): at the end for older pages, at the top when live.
 * @param {AlertEvent} e
 * @param {boolean} append
 */
function renderAlert(e, append) {
  if (document.querySelector(`[data-stream-id="${CSS.escape(e.streamId)}"]`)) return;
  const template = /** @type {HTMLTemplateElement} */ ($('alert-template'));
  const li = /** @type {HTMLElement} */ (
    /** @type {HTMLElement} */ (template.content.firstElementChild).cloneNode(true)
  );
  li.dataset.streamId = e.streamId;
  li.id = `alert-${e.streamId}`;
  li.classList.add(e.decision);
  part(li, '.identity').textContent = e.identityName || '—';
  part(li, '.decision').textContent = `${e.decision} (${e.kind})`;
  part(li, '.score').textContent = e.score.toFixed(3);
  part(li, '.margin').textContent = e.margin.toFixed(3);
  part(li, '.face').textContent = `${Math.round(e.facePx)} px, quality ${e.quality.toFixed(2)}`;
  part(li, '.camera').textContent = e.camera;
  part(li, '.time').textContent = fmtTime(e.frameTimeMs);
  part(li, '.where').textContent = fmtWhere(e);
  const img = (/** @type {string} */ selector) => /** @type {HTMLImageElement} */ (part(li, selector));
  if (e.evidenceKey) imageInto(img('.evidence'), `/api/events/${e.streamId}/evidence`);
  if (e.identityId) imageInto(img('.enrolled'), `/api/watchlist/${e.identityId}/photos/0`);
  showAck(li, e.ack);
  part(li, '.ack').addEventListener('click', async () => {
    try {
      /** @type {{ ack: Ack }} */
      const res = await apiJson(`/api/events/${e.streamId}/ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      showAck(li, res.ack);
    } catch (err) {
      setStatus(`acknowledge failed: ${messageOf(err)}`);
    }
  });
  const list = $('alert-feed');
  if (append) list.appendChild(li);
  else list.insertBefore(li, list.firstChild);
  showEmptyFeed();
}

/**
 * Where the face was. The evidence is the face crop only (no frame is kept), so the box is given as
 * numbers.
 * @param {AlertEvent} e
 */
function fmtWhere(e) {
  // The box fields come together: with boxX set, the others are numbers too.
  const num = (/** @type {number | null | undefined} */ v) => /** @type {number} */ (v);
  const parts = [];
  if (e.boxX !== null && e.boxX !== undefined)
    parts.push(
      `box ${Math.round(e.boxX)},${Math.round(num(e.boxY))} ${Math.round(num(e.boxWidth))}×${Math.round(num(e.boxHeight))} px`,
    );
  if (e.frameIndex !== null && e.frameIndex !== undefined) parts.push(`frame ${e.frameIndex}`);
  if (e.mediaTimeMs !== null && e.mediaTimeMs !== undefined)
    parts.push(`${(e.mediaTimeMs / 1000).toFixed(1)} s`);
  return parts.join(', ') || '—';
}

function showEmptyFeed() {
  $('alert-empty').hidden = $('alert-feed').children.length > 0;
}

/**
 * @param {HTMLElement} li
 * @param {Ack | null} ack
 */
function showAck(li, ack) {
  const acked = Boolean(ack);
  li.classList.toggle('acknowledged', acked);
  part(li, '.ack').hidden = acked;
  part(li, '.acked').textContent = ack ? `acknowledged by ${ack.by}, ${fmtTime(ack.atMs)}` : '';
  li.hidden = acked && $input('filter-unacked').checked;
}

/** Hides or shows acknowledged alerts as the "unacknowledged only" box says. */
export function applyUnackedFilter() {
  for (const li of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('#alert-feed .alert'))) {
    li.hidden = li.classList.contains('acknowledged') && $input('filter-unacked').checked;
  }
}

/**
 * Appends the next page of older events.
 * @returns {Promise<AlertEvent[]>}
 */
export async function loadOlder() {
  const q = filters();
  q.set('limit', '50');
  if (feed.nextCursor) q.set('cursor', feed.nextCursor);
  /** @type {import('./types.js').EventPage} */
  const page = await apiJson(`/api/events?${q}`);
  for (const e of page.items) renderAlert(e, true);
  showEmptyFeed();
  feed.nextCursor = page.nextCursor;
  $('alert-more').hidden = !page.nextCursor;
  return page.items;
}

/** (Re)starts the feed with the current filters: the newest page, then the live stream. */
export async function startFeed() {
  if (feed.abort) feed.abort.abort();
  for (const u of session.blobUrls.splice(0)) URL.revokeObjectURL(u);
  $('alert-feed').replaceChildren();
  feed.nextCursor = null;
  try {
    const items = await loadOlder();
    feed.lastId = items.length > 0 ? items[0].streamId : null;
  } catch (e) {
    setStatus(`events: ${messageOf(e)}`);
    return;
  }
  streamLoop(new AbortController());
}

/**
 * Reads the SSE alert stream until aborted, reconnecting after 3 s (except on 401/403).
 * @param {AbortController} ctl
 */
async function streamLoop(ctl) {
  feed.abort = ctl;
  while (!ctl.signal.aborted) {
    try {
      /** @type {Record<string, string>} */
      const headers = feed.lastId ? { 'last-event-id': feed.lastId } : {};
      const res = await api(`/api/alerts/stream?${filters()}`, { headers, signal: ctl.signal });
      $('feed-state').textContent = 'live';
      const reader = /** @type {ReadableStream<Uint8Array>} */ (res.body).getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          handleFrame(buf.slice(0, cut));
          buf = buf.slice(cut + 2);
        }
      }
    } catch (e) {
      if (ctl.signal.aborted) return;
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        setStatus(`live feed: ${e.message}`);
        return;
      }
    }
    $('feed-state').textContent = 'reconnecting…';
    await new Promise((r) => setTimeout(r, 3000));
  }
}

/**
 * One SSE frame (`id:` and `data:` lines).
 * @param {string} frame
 */
function handleFrame(frame) {
  let id = null;
  let data = '';
  for (const line of frame.split('\n')) {
    if (line.startsWith('id: ')) id = line.slice(4);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (!data) return;
  const e = JSON.parse(data);
  if (id) feed.lastId = id;
  renderAlert(Object.assign({ ack: null }, e), false);
}
