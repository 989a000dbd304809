// Viewer load, in its own process: `count` socket.io-client connections on /telemetry, each
// subscribed to one job's room, recording for every `job:update` the delay since the update it
// carries was emitted (details.sent_ms, wall clock). Ends once every socket has received the push
// carrying the last update (seq = lastSeq), or at the hard cap, and prints {done, received, histogram}.
import { io } from 'socket.io-client';
import { tell } from '../lib/child.mjs';
import { createHistogram, record, toSparse } from '../lib/histogram.mjs';

const [port, jobId, countArg, capArg, lastSeqArg] = process.argv.slice(2);
const lastSeq = Number(lastSeqArg);
let complete = 0;
const count = Number(countArg);
const capMs = Number(capArg) * 1000;
const wallMs = () => performance.timeOrigin + performance.now();
const hist = createHistogram();
let received = 0;
const perViewer = new Uint32Array(count);

const sockets = [];
const url = `http://127.0.0.1:${port}/telemetry`;
for (let i = 0; i < count; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => new Promise((resolve, reject) => {
    const index = i + k;
    const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    s.once('connect_error', reject);
    s.once('connect', () => {
      s.emit('subscribe', { job_id: jobId }, (ack) => (ack?.ok === false ? reject(new Error(JSON.stringify(ack.error))) : resolve()));
    });
    s.on('job:update', (e) => {
      const sent = e?.job?.details?.sent_ms;
      if (typeof sent === 'number') record(hist, wallMs() - sent);
      received++;
      perViewer[index]++;
      if (e?.job?.details?.seq === lastSeq) complete++;
    });
    sockets.push(s);
  })));
}
tell({ ready: true, pid: process.pid, connected: sockets.length });

const started = performance.now();
await new Promise((resolve) => {
  const t = setInterval(() => {
    const now = performance.now();
    if (complete >= count || now - started > capMs) { clearInterval(t); resolve(); }
  }, 100);
});
for (const s of sockets) s.close();
const sorted = [...perViewer].sort((a, b) => a - b);
tell({ done: true, received, complete, timed_out: complete < count, viewers: count, min_per_viewer: sorted[0], max_per_viewer: sorted[sorted.length - 1], histogram: toSparse(hist) });
