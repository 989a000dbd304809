// The demo page: <bt-fleet-overview> (one page of the fleet, kept live by the hub's machine:update
// pushes) or, switched to Calendar, <bt-fleet-calendar> (the fleet by day), on a shared Socket.IO
// connection; choosing a machine (or a machine's day) opens <bt-machine-details> for it.
import { io } from '/socket.io/socket.io.esm.min.js';

const API = '/api/v1';
const EMPTY_CHECK_MS = 5000; // while the fleet is empty, how often to look for the first machine

const fleet = document.querySelector('bt-fleet-overview');
const calendar = document.querySelector('bt-fleet-calendar');
const views = document.querySelector('#views');
const details = document.querySelector('bt-machine-details');
const empty = document.querySelector('#empty');
const badge = document.querySelector('#live');
const socket = io('/telemetry', { transports: ['websocket', 'polling'] });
fleet.socket = socket;
calendar.socket = socket;
calendar.tz = Intl.DateTimeFormat().resolvedOptions().timeZone; // the viewer's own days
details.socket = socket;

const origin = location.origin;
document.querySelector('#cmd-history').textContent = `npm run simulate -- --history 3d --hub ${origin}`;
document.querySelector('#cmd-live').textContent = `npm run simulate -- --jobs 5 --hub ${origin}`;

function openDetails(e) {
  details.vmName = e.detail.vm_name;
  details.tab = 'summary';
  details.selectedJobId = null;
  details.open = true;
}
fleet.addEventListener('machine-select', openDetails);
calendar.addEventListener('machine-select', openDetails);
calendar.addEventListener('day-select', openDetails);

let view = 'table';
function showView(next) {
  view = next;
  for (const b of views.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.view === view));
  fleet.hidden = view !== 'table';
  calendar.hidden = view !== 'calendar';
  if (view === 'calendar') void calendar.reload();
}
views.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-view]');
  if (button) showView(button.dataset.view);
});

socket.on('connect', () => { badge.dataset.state = 'live'; badge.textContent = 'live'; });
socket.on('disconnect', () => { badge.dataset.state = 'offline'; badge.textContent = 'offline'; });

// The "No backups yet" advice is for a fleet with no machine at all; it goes away (and the table
// loads) as soon as the first one registers.
async function checkEmpty() {
  try {
    const res = await fetch(`${API}/fleet/summary`);
    if (!res.ok) return;
    const summary = await res.json();
    const isEmpty = summary.machines.total === 0;
    if (!isEmpty && !empty.hidden) void fleet.reload();
    empty.hidden = !isEmpty;
    views.hidden = isEmpty;
    fleet.hidden = isEmpty || view !== 'table';
    calendar.hidden = isEmpty || view !== 'calendar';
    if (isEmpty) setTimeout(checkEmpty, EMPTY_CHECK_MS);
  } catch {
    setTimeout(checkEmpty, EMPTY_CHECK_MS);
  }
}
void checkEmpty();
