// The demo page: a "protection flows" table of every VM and its last backup, kept live by the hub's
// Socket.IO pushes; a click opens <bt-machine-details> for that VM on the same socket.
import { io } from '/socket.io/socket.io.esm.min.js';

const API = '/api/v1';
const REFRESH_MS = 10_000; // picks up VMs that registered since the last load (pushes are per VM room)

const machines = new Map(); // vm_name → Machine, with last_job kept current by pushes
const staleJobs = new Map(); // job id → stale message
const subscribed = new Set();
const tbody = document.querySelector('#flows tbody');
const details = document.querySelector('bt-machine-details');
const socket = io('/telemetry', { transports: ['websocket', 'polling'] });
details.socket = socket;

const origin = location.origin;
document.querySelector('#cmd-history').textContent = `npm run simulate -- --history 3d --hub ${origin}`;
document.querySelector('#cmd-live').textContent = `npm run simulate -- --jobs 5 --hub ${origin}`;

// ---- formatting (binary units: MiB = 1,048,576 bytes) -------------------------------------------
function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(bytes) || 0;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u += 1; }
  return `${u === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}
const formatMibps = (bps) => `${((Number(bps) || 0) / 1048576).toFixed(1)} MiB/s`;
function formatAgo(iso) {
  if (!iso) return '—';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(iso).toLocaleString();
}
function formatEta(seconds) {
  if (seconds == null) return '';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s left` : `${s}s left`;
}

// ---- rendering ------------------------------------------------------------------------------------
function cell(text, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function progressCell(job) {
  const td = document.createElement('td');
  td.dataset.field = 'progress';
  if (!job) return td;
  if (job.status !== 'running') {
    td.append(job.status === 'failed' && job.error_message ? job.error_message : '');
    td.className = 'muted';
    td.title = job.error_message ?? '';
    return td;
  }
  const wrap = document.createElement('div');
  wrap.className = 'progress';
  const bar = document.createElement('progress');
  bar.max = 100;
  bar.value = job.progress_percent ?? 0;
  const text = document.createElement('span');
  text.dataset.field = 'percent';
  text.textContent = `${(job.progress_percent ?? 0).toFixed(1)} %`;
  const info = document.createElement('span');
  info.className = 'muted';
  info.textContent = [job.current_phase, formatMibps(job.transfer_speed_bps), formatEta(job.eta_seconds)].filter(Boolean).join(' · ');
  wrap.append(bar, text, info);
  const stale = staleJobs.get(job.backup_id);
  if (stale) {
    const warn = document.createElement('span');
    warn.className = 'stale';
    warn.textContent = `⚠ ${stale}`;
    wrap.append(warn);
  }
  td.append(wrap);
  return td;
}

function row(machine) {
  const job = machine.last_job;
  const tr = document.createElement('tr');
  tr.dataset.vm = machine.vm_name;
  tr.tabIndex = 0;
  tr.setAttribute('aria-label', `Open details of ${machine.vm_name}`);
  const status = cell(job ? job.status : 'never backed up', 'status');
  status.dataset.field = 'status';
  status.dataset.status = job?.status ?? 'none';
  const size = job ? (job.status === 'running' ? `${formatBytes(job.bytes_transferred)} of ${formatBytes(job.total_bytes)}` : formatBytes(job.bytes_transferred)) : '—';
  const last = job ? `${job.type} · ${formatAgo(job.completed_at ?? job.started_at ?? job.created_at)}` : '—';
  tr.append(cell(machine.vm_name), cell(last), status, cell(size), progressCell(job));
  tr.children[3].dataset.field = 'size';
  return tr;
}

function render() {
  const list = [...machines.values()].sort((a, b) => a.vm_name.localeCompare(b.vm_name));
  document.querySelector('#empty').hidden = list.length > 0;
  document.querySelector('#flows').hidden = list.length === 0;
  const focused = document.activeElement?.dataset?.vm;
  tbody.replaceChildren(...list.map(row));
  if (focused) tbody.querySelector(`tr[data-vm="${CSS.escape(focused)}"]`)?.focus();
}

// ---- data -------------------------------------------------------------------------------------------
async function load() {
  try {
    const res = await fetch(`${API}/machines`);
    if (!res.ok) throw new Error(`the hub answered HTTP ${res.status}`);
    const body = await res.json();
    for (const m of body.machines) machines.set(m.vm_name, m);
    document.querySelector('#error').hidden = true;
    render();
    subscribeAll();
  } catch (error) {
    const box = document.querySelector('#error');
    box.textContent = `Could not load machines: ${error.message}`;
    box.hidden = false;
  }
}

function subscribeAll() {
  if (!socket.connected) return;
  for (const vm of machines.keys()) {
    if (subscribed.has(vm)) continue;
    subscribed.add(vm);
    socket.emit('subscribe', { vm_name: vm }, (ack) => { if (!ack?.ok) subscribed.delete(vm); });
  }
}

function onJob(event) {
  return (payload) => {
    const job = payload?.job;
    if (!job?.vm_name) return;
    const machine = machines.get(job.vm_name);
    if (!machine) { void load(); return; }
    const current = machine.last_job;
    // The row shows the newest job of the VM: an older job's late end must not replace it.
    if (current && current.backup_id !== job.backup_id && Date.parse(current.created_at) > Date.parse(job.created_at)) return;
    if (event === 'job:stale') staleJobs.set(job.backup_id, payload.message);
    else staleJobs.delete(job.backup_id);
    machine.last_job = { ...current, ...job };
    render();
  };
}

for (const event of ['job:update', 'job:completed', 'job:failed', 'job:cancelled', 'job:stale']) socket.on(event, onJob(event));
socket.on('connect', () => {
  subscribed.clear();
  document.querySelector('#live').dataset.state = 'live';
  document.querySelector('#live').textContent = 'live';
  subscribeAll();
});
socket.on('disconnect', () => {
  document.querySelector('#live').dataset.state = 'offline';
  document.querySelector('#live').textContent = 'offline';
});

function open(vm) {
  details.vmName = vm;
  details.tab = 'summary';
  details.selectedJobId = null;
  details.open = true;
}
tbody.addEventListener('click', (e) => {
  const tr = e.target.closest('tr[data-vm]');
  if (tr) open(tr.dataset.vm);
});
tbody.addEventListener('keydown', (e) => {
  const tr = e.target.closest('tr[data-vm]');
  if (tr && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); open(tr.dataset.vm); }
});

await load();
setInterval(load, REFRESH_MS);
setInterval(render, 30_000); // keeps "n min ago" honest
