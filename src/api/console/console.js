// @ts-check
// BridgeFace operator console: ES modules, no build step (alerts.js, watchlist.js, cameras.js; the API
// client and page helpers in api-client.js and dom.js). Every data call sends the bearer token typed by
// the operator (kept in sessionStorage only); data is inserted with textContent, never as HTML.
// Element ids are stable so a headless-browser test can drive the page.
import { applyUnackedFilter, loadOlder, startFeed } from './alerts.js';
import { apiJson, session } from './api-client.js';
import { fillCameraForm, loadCameras, saveCamera } from './cameras.js';
import { $, $input, messageOf, setStatus } from './dom.js';
import { enrol, loadWatchlist } from './watchlist.js';

/** @typedef {'alerts' | 'watchlist' | 'cameras'} PageName */
/** @type {readonly PageName[]} */
const PAGES = ['alerts', 'watchlist', 'cameras'];

// ---------------------------------------------------------------- navigation and sign-in
/** @param {PageName} name */
function showPage(name) {
  for (const p of PAGES) {
    $(`page-${p}`).hidden = p !== name;
    $(`nav-${p}`).classList.toggle('active', p === name);
  }
  if (name === 'watchlist') loadWatchlist();
  if (name === 'cameras') loadCameras();
}

async function signIn() {
  try {
    /** @type {import('./types.js').Me} */
    const me = await apiJson('/api/me');
    $('whoami').textContent = `${me.name} (${me.role})`;
    setStatus('');
    startFeed();
  } catch (e) {
    $('whoami').textContent = '';
    setStatus(`sign-in failed: ${messageOf(e)}`);
  }
}

// ---------------------------------------------------------------- wiring
function wire() {
  for (const p of PAGES) $(`nav-${p}`).addEventListener('click', () => showPage(p));
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    session.token = $input('token-input').value.trim();
    sessionStorage.setItem('bf-token', session.token);
    $input('token-input').value = '';
    signIn();
  });
  $('alert-filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    startFeed();
  });
  $('filter-unacked').addEventListener('change', applyUnackedFilter);
  $('alert-more').addEventListener('click', () => loadOlder().catch((e) => setStatus(messageOf(e))));
  $('enrol-form').addEventListener('submit', enrol);
  $('watchlist-search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadWatchlist();
  });
  $('camera-form').addEventListener('submit', saveCamera);
  $('camera-cancel').addEventListener('click', () => fillCameraForm(null));
  if (session.token) signIn();
  else setStatus('enter an API token to start');
}

// Module scripts run after the document is parsed (like `defer`); DOMContentLoaded has not fired yet.
document.addEventListener('DOMContentLoaded', wire);
