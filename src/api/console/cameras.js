// @ts-check
// The Cameras page: every camera the workers run with its live status and origin; registry cameras
// (added here or through the API) can be added, edited and removed.
import { api, apiJson } from './api-client.js';
import { $, $form, $input, messageOf, setStatus } from './dom.js';

/** @typedef {import('./types.js').Camera} Camera */

/** Lists the cameras. */
export async function loadCameras() {
  try {
    /** @type {{ items: Camera[] }} */
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
          setStatus(`remove failed: ${messageOf(e)}`);
        }
      });
      td.append(edit, rm);
      tr.appendChild(td);
      return tr;
    });
    $('camera-rows').replaceChildren(...rows);
  } catch (e) {
    setStatus(`cameras: ${messageOf(e)}`);
  }
}

/**
 * A camera's status for the table; a failing camera says why (e.g. "failed: file not found:
 * /clips/gate.mp4").
 * @param {import('./types.js').CameraStatus | null} s
 */
function cameraStatusText(s) {
  if (!s) return 'no status';
  const state = s.state || JSON.stringify(s);
  return (s.state === 'failed' || s.state === 'backoff') && s.lastError ? `${state}: ${s.lastError}` : state;
}

/**
 * Fills the camera form to edit `c`, or empties it to add one (null).
 * @param {Camera | null} c
 */
export function fillCameraForm(c) {
  $('camera-form').dataset.editing = c ? c.id : '';
  $('camera-form-title').textContent = c ? `Edit ${c.id}` : 'Add camera';
  $input('camera-id').value = c ? c.id : '';
  $input('camera-id').disabled = Boolean(c);
  $input('camera-url').value = c ? c.url : '';
  $input('camera-fps').value = String(c ? c.fps : 5);
  $input('camera-width').value = String(c ? c.width : 768);
  $input('camera-height').value = String(c ? c.height : 576);
  $input('camera-minface').value = String(c ? c.minFacePx : 12);
  $input('camera-zones').value = JSON.stringify(c ? c.ignoreZones : []);
  $input('camera-enabled').checked = c ? c.enabled : true;
}

/**
 * Adds (POST) or updates (PATCH) the camera of the form.
 * @param {SubmitEvent} ev
 */
export async function saveCamera(ev) {
  ev.preventDefault();
  const editing = $form('camera-form').dataset.editing;
  let zones;
  try {
    zones = JSON.parse($input('camera-zones').value || '[]');
  } catch {
    $('camera-result').textContent = 'ignore zones: not valid JSON';
    return;
  }
  const body = {
    url: $input('camera-url').value,
    fps: Number($input('camera-fps').value),
    width: Number($input('camera-width').value),
    height: Number($input('camera-height').value),
    minFacePx: Number($input('camera-minface').value),
    ignoreZones: zones,
    enabled: $input('camera-enabled').checked,
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
        body: JSON.stringify(Object.assign({ id: $input('camera-id').value }, body)),
      });
    }
    $('camera-result').textContent = 'saved';
    fillCameraForm(null);
    loadCameras();
  } catch (e) {
    $('camera-result').textContent = messageOf(e);
  }
}
