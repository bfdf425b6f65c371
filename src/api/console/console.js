// BridgeFace operator console: plain script, no build step. Every data call sends the bearer token
// typed by the operator (kept in sessionStorage only); data is inserted with textContent, never as HTML.
// Element ids are stable so a headless-browser test can drive the page.
/* global document, sessionStorage, fetch, FormData, URLSearchParams, TextDecoder, AbortController, CSS, confirm, setTimeout */
'use strict';

const $ = (id) => document.getElementById(id);
const state = {
  token: sessionStorage.getItem('bf-token') || '',
  me: null,
  feedAbort: null,
  lastId: null,
  nextCursor: null,
  blobUrls: [],
};

function setStatus(text) {
  $('status-line').textContent = text || '';
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {}, { authorization: `Bearer ${state.token}` });
  const res = await fetch(path, Object.assign({}, options, { headers }));
  if (!res.ok) {
    let message = `${res.status}`;
    try {
      const body = await res.json();
      message = body.error ? `${body.error.code}: ${body.error.message}` : message;
    } catch {
      // not JSON
    }
    const err = new Error(message);
    err.status = res.status;
    throw err;
  }
  return res;
}

async function apiJson(path, options) {
  return (await api(path, options)).json();
}

async function imageInto(img, path) {
  try {
    const blob = await (await api(path)).blob();
    const url = URL.createObjectURL(blob);
    state.blobUrls.push(url);
    img.src = url;
  } catch {
    img.alt = 'not available';
  }
}

function fmtTime(ms) {
  return new Date(ms).toLocaleString();
}

// ---------------------------------------------------------------- navigation and sign-in
function showPage(name) {
  for (const p of ['alerts', 'watchlist', 'cameras']) {
    $(`page-${p}`).hidden = p !== name;
    $(`nav-${p}`).classList.toggle('active', p === name);
  }
  if (name === 'watchlist') loadWatchlist();
  if (name === 'cameras') loadCameras();
}

async function signIn() {
  try {
    state.me = await apiJson('/api/me');
    $('whoami').textContent = `${state.me.name} (${state.me.role})`;
    setStatus('');
    startFeed();
  } catch (e) {
    state.me = null;
    $('whoami').textContent = '';
    setStatus(`sign-in failed: ${e.message}`);
  }
}

// ---------------------------------------------------------------- alerts
function filters() {
  const q = new URLSearchParams();
  if ($('filter-decision').value) q.set('decision', $('filter-decision').value);
  if ($('filter-camera').value.trim()) q.set('camera', $('filter-camera').value.trim());
  return q;
}

function renderAlert(e, append) {
  if (document.querySelector(`[data-stream-id="${CSS.escape(e.streamId)}"]`)) return;
  const li = $('alert-template').content.firstElementChild.cloneNode(true);
  li.dataset.streamId = e.streamId;
  li.id = `alert-${e.streamId}`;
  li.classList.add(e.decision);
  li.querySelector('.identity').textContent = e.identityName || '—';
  li.querySelector('.decision').textContent = `${e.decision} (${e.kind})`;
  li.querySelector('.score').textContent = e.score.toFixed(3);
  li.querySelector('.margin').textContent = e.margin.toFixed(3);
  li.querySelector('.face').textContent = `${Math.round(e.facePx)} px, quality ${e.quality.toFixed(2)}`;
  li.querySelector('.camera').textContent = e.camera;
  li.querySelector('.time').textContent = fmtTime(e.frameTimeMs);
  li.querySelector('.where').textContent = fmtWhere(e);
  if (e.evidenceKey) imageInto(li.querySelector('.evidence'), `/api/events/${e.streamId}/evidence`);
  if (e.identityId) imageInto(li.querySelector('.enrolled'), `/api/watchlist/${e.identityId}/photos/0`);
  showAck(li, e.ack);
  li.querySelector('.ack').addEventListener('click', async () => {
    try {
      const res = await apiJson(`/api/events/${e.streamId}/ack`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      showAck(li, res.ack);
    } catch (err) {
      setStatus(`acknowledge failed: ${err.message}`);
    }
  });
  const feed = $('alert-feed');
  if (append) feed.appendChild(li);
  else feed.insertBefore(li, feed.firstChild);
  showEmptyFeed();
}

// The evidence is the face crop only (no frame is kept), so the box is given as numbers.
function fmtWhere(e) {
  const parts = [];
  if (e.boxX !== null && e.boxX !== undefined)
    parts.push(
      `box ${Math.round(e.boxX)},${Math.round(e.boxY)} ${Math.round(e.boxWidth)}×${Math.round(e.boxHeight)} px`,
    );
  if (e.frameIndex !== null && e.frameIndex !== undefined) parts.push(`frame ${e.frameIndex}`);
  if (e.mediaTimeMs !== null && e.mediaTimeMs !== undefined)
    parts.push(`${(e.mediaTimeMs / 1000).toFixed(1)} s`);
  return parts.join(', ') || '—';
}

function showEmptyFeed() {
  $('alert-empty').hidden = $('alert-feed').children.length > 0;
}

function showAck(li, ack) {
  const acked = Boolean(ack);
  li.classList.toggle('acknowledged', acked);
  li.querySelector('.ack').hidden = acked;
  li.querySelector('.acked').textContent = acked ? `acknowledged by ${ack.by}, ${fmtTime(ack.atMs)}` : '';
  li.hidden = acked && $('filter-unacked').checked;
}

async function loadOlder() {
  const q = filters();
  q.set('limit', '50');
  if (state.nextCursor) q.set('cursor', state.nextCursor);
  const page = await apiJson(`/api/events?${q}`);
  for (const e of page.items) renderAlert(e, true);
  showEmptyFeed();
  state.nextCursor = page.nextCursor;
  $('alert-more').hidden = !page.nextCursor;
  return page.items;
}

async function startFeed() {
  if (state.feedAbort) state.feedAbort.abort();
  for (const u of state.blobUrls.splice(0)) URL.revokeObjectURL(u);
  $('alert-feed').replaceChildren();
  state.nextCursor = null;
  try {
    const items = await loadOlder();
    state.lastId = items.length > 0 ? items[0].streamId : null;
  } catch (e) {
    setStatus(`events: ${e.message}`);
    return;
  }
  streamLoop(new AbortController());
}

async function streamLoop(ctl) {
  state.feedAbort = ctl;
  while (!ctl.signal.aborted) {
    try {
      const headers = state.lastId ? { 'last-event-id': state.lastId } : {};
      const res = await api(`/api/alerts/stream?${filters()}`, { headers, signal: ctl.signal });
      $('feed-state').textContent = 'live';
      const reader = res.body.getReader();
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
      if (e.status === 401 || e.status === 403) {
        setStatus(`live feed: ${e.message}`);
        return;
      }
    }
    $('feed-state').textContent = 'reconnecting…';
    await new Promise((r) => setTimeout(r, 3000));
  }
}

function handleFrame(frame) {
  let id = null;
  let data = '';
  for (const line of frame.split('\n')) {
    if (line.startsWith('id: ')) id = line.slice(4);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (!data) return;
  const e = JSON.parse(data);
  if (id) state.lastId = id;
  renderAlert(Object.assign({ ack: null }, e), false);
}

// ---------------------------------------------------------------- watchlist
async function loadWatchlist() {
  const q = $('watchlist-q').value.trim();
  try {
    const page = await apiJson(`/api/watchlist?${new URLSearchParams(q ? { q } : {})}`);
    const rows = page.items.map((i) => {
      const tr = document.createElement('tr');
      tr.id = `identity-${i.id}`;
      const img = document.createElement('img');
      img.alt = i.name;
      imageInto(img, `/api/watchlist/${i.id}/photos/0`);
      const cells = [img, i.name, String(i.photos), fmtTime(i.createdAtMs), i.model];
      for (const c of cells) {
        const td = document.createElement('td');
        if (typeof c === 'string') td.textContent = c;
        else td.appendChild(c);
        tr.appendChild(td);
      }
      const td = document.createElement('td');
      const rm = document.createElement('button');
      rm.className = 'identity-remove';
      rm.textContent = 'Remove';
      rm.addEventListener('click', async () => {
        if (!confirm(`Remove ${i.name} and all their data?`)) return;
        try {
          await api(`/api/watchlist/${i.id}`, { method: 'DELETE' });
          loadWatchlist();
        } catch (e) {
          setStatus(`remove failed: ${e.message}`);
        }
      });
      td.appendChild(rm);
      tr.appendChild(td);
      return tr;
    });
    $('watchlist-rows').replaceChildren(...rows);
  } catch (e) {
    setStatus(`watchlist: ${e.message}`);
  }
}

async function enrol(ev) {
  ev.preventDefault();
  const form = new FormData();
  form.append('name', $('enrol-name').value);
  for (const f of $('enrol-photos').files) form.append('photos', f, f.name);
  $('enrol-result').textContent = 'enrolling…';
  try {
    const identity = await apiJson('/api/watchlist', { method: 'POST', body: form });
    $('enrol-result').textContent = `enrolled ${identity.name}`;
    $('enrol-form').reset();
    loadWatchlist();
  } catch (e) {
    $('enrol-result').textContent = e.message;
  }
}

// ---------------------------------------------------------------- cameras
async function loadCameras() {
  try {
    const page = await apiJson('/api/cameras');
    const rows = page.items.map((c) => {
      const tr = document.createElement('tr');
      tr.id = `camera-${c.id}`;
      const status = cameraStatusText(c.status);
      for (const text of [
        c.id,
        c.url,
        String(c.fps),
        `${c.width}×${c.height}`,
        String(c.minFacePx),
        c.enabled ? 'yes' : 'no',
        status,
      ]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      }
      const origin = document.createElement('td');
      origin.className = 'origin';
      origin.textContent = c.origin === 'config' ? 'config file' : 'API';
      tr.appendChild(origin);
      const td = document.createElement('td');
      if (c.origin === 'config') {
        // Run by a worker from its config file: changed there (or imported with serve --import-cameras).
        td.textContent = 'edit the config file';
        td.className = 'muted';
        tr.appendChild(td);
        return tr;
      }
      const edit = document.createElement('button');
      edit.className = 'camera-edit';
      edit.textContent = 'Edit';
      edit.addEventListener('click', () => fillCameraForm(c));
      const rm = document.createElement('button');
      rm.className = 'camera-remove';
      rm.textContent = 'Remove';
      rm.addEventListener('click', async () => {
        if (!confirm(`Remove camera ${c.id}?`)) return;
        try {
          await api(`/api/cameras/${encodeURIComponent(c.id)}`, { method: 'DELETE' });
          loadCameras();
        } catch (e) {
          setStatus(`remove failed: ${e.message}`);
        }
      });
      td.append(edit, rm);
      tr.appendChild(td);
      return tr;
    });
    $('camera-rows').replaceChildren(...rows);
  } catch (e) {
    setStatus(`cameras: ${e.message}`);
  }
}

// A failing camera says why (e.g. "failed: file not found: /clips/gate.mp4").
function cameraStatusText(s) {
  if (!s) return 'no status';
  const state = s.state || JSON.stringify(s);
  return (s.state === 'failed' || s.state === 'backoff') && s.lastError ? `${state}: ${s.lastError}` : state;
}

function fillCameraForm(c) {
  $('camera-form').dataset.editing = c ? c.id : '';
  $('camera-form-title').textContent = c ? `Edit ${c.id}` : 'Add camera';
  $('camera-id').value = c ? c.id : '';
  $('camera-id').disabled = Boolean(c);
  $('camera-url').value = c ? c.url : '';
  $('camera-fps').value = c ? c.fps : 5;
  $('camera-width').value = c ? c.width : 768;
  $('camera-height').value = c ? c.height : 576;
  $('camera-minface').value = c ? c.minFacePx : 12;
  $('camera-zones').value = JSON.stringify(c ? c.ignoreZones : []);
  $('camera-enabled').checked = c ? c.enabled : true;
}

async function saveCamera(ev) {
  ev.preventDefault();
  const editing = $('camera-form').dataset.editing;
  let zones;
  try {
    zones = JSON.parse($('camera-zones').value || '[]');
  } catch {
    $('camera-result').textContent = 'ignore zones: not valid JSON';
    return;
  }
  const body = {
    url: $('camera-url').value,
    fps: Number($('camera-fps').value),
    width: Number($('camera-width').value),
    height: Number($('camera-height').value),
    minFacePx: Number($('camera-minface').value),
    ignoreZones: zones,
    enabled: $('camera-enabled').checked,
  };
  try {
    if (editing) {
      await api(`/api/cameras/${encodeURIComponent(editing)}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } else {
      await api('/api/cameras', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(Object.assign({ id: $('camera-id').value }, body)),
      });
    }
    $('camera-result').textContent = 'saved';
    fillCameraForm(null);
    loadCameras();
  } catch (e) {
    $('camera-result').textContent = e.message;
  }
}

// ---------------------------------------------------------------- wiring
document.addEventListener('DOMContentLoaded', () => {
  for (const p of ['alerts', 'watchlist', 'cameras'])
    $(`nav-${p}`).addEventListener('click', () => showPage(p));
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.token = $('token-input').value.trim();
    sessionStorage.setItem('bf-token', state.token);
    $('token-input').value = '';
    signIn();
  });
  $('alert-filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    startFeed();
  });
  $('filter-unacked').addEventListener('change', () => {
    for (const li of document.querySelectorAll('#alert-feed .alert')) {
      li.hidden = li.classList.contains('acknowledged') && $('filter-unacked').checked;
    }
  });
  $('alert-more').addEventListener('click', () => loadOlder().catch((e) => setStatus(e.message)));
  $('enrol-form').addEventListener('submit', enrol);
  $('watchlist-search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadWatchlist();
  });
  $('camera-form').addEventListener('submit', saveCamera);
  $('camera-cancel').addEventListener('click', () => fillCameraForm(null));
  if (state.token) signIn();
  else setStatus('enter an API token to start');
});
