// @ts-check
// The Watchlist page: enrolled identities (searchable, removable) and enrolment by photo upload.
import { api, apiJson, imageInto } from './api-client.js';
import { $, $form, $input, fmtTime, messageOf, setStatus } from './dom.js';

/** @typedef {import('./types.js').Identity} Identity */

/** Lists the enrolled identities matching the search box. */
export async function loadWatchlist() {
  const q = $input('watchlist-q').value.trim();
  try {
    /** @type {{ items: Identity[] }} */
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
          setStatus(`remove failed: ${messageOf(e)}`);
        }
      });
      td.appendChild(rm);
      tr.appendChild(td);
      return tr;
    });
    $('watchlist-rows').replaceChildren(...rows);
  } catch (e) {
    setStatus(`watchlist: ${messageOf(e)}`);
  }
}

/**
 * Enrols the person of the enrol form; the API names any photo it refuses and why.
 * @param {SubmitEvent} ev
 */
export async function enrol(ev) {
  ev.preventDefault();
  const form = new FormData();
  form.append('name', $input('enrol-name').value);
  for (const f of $input('enrol-photos').files ?? []) form.append('photos', f, f.name);
  $('enrol-result').textContent = 'enrolling…';
  try {
    /** @type {Identity} */
    const identity = await apiJson('/api/watchlist', { method: 'POST', body: form });
    $('enrol-result').textContent = `enrolled ${identity.name}`;
    $form('enrol-form').reset();
    loadWatchlist();
  } catch (e) {
    $('enrol-result').textContent = messageOf(e);
  }
}
