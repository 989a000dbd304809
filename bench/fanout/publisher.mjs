// Update source, in its own process: one socket sends `rate` acknowledged `telemetry` events a
// second to one job for `seconds`, each carrying details {seq, sent_ms} so viewers can time it.
import { io } from 'socket.io-client';
import { tell } from '../lib/child.mjs';
import { update } from '../lib/payload.mjs';

const [port, jobId, rateArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const socket = io(`http://127.0.0.1:${port}/telemetry`, { transports: ['websocket'], forceNew: true, reconnection: false });
await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
tell({ ready: true, pid: process.pid });

let seq = 0;
let lastStampMs = 0; // strictly increasing: the hub acknowledges but does not apply an update not newer than the stored one
let acked = 0;
let failed = 0;
let firstError = null;
const total = rate * seconds;
const started = performance.now();
let disconnected = null;
await new Promise((resolve) => {
  socket.once('disconnect', (reason) => { disconnected = reason; resolve(); });
  setTimeout(resolve, (seconds + 60) * 1000); // never wait forever for acks
  const tick = () => {
    // Catch up to the schedule (setTimeout drifts): seq should equal rate × elapsed.
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    while (seq < due) {
      const n = seq++;
      const now = performance.timeOrigin + performance.now();
      lastStampMs = Math.max(Math.floor(now), lastStampMs + 1);
      const body = { job_type: 'backup', job_id: jobId, ...update(n, lastStampMs), details: { seq: n, sent_ms: now } };
      socket.emit('telemetry', body, (reply) => {
        if (reply?.ok) acked++;
        else { failed++; firstError ??= reply?.error ?? reply; }
        if (acked + failed === total) resolve();
      });
    }
    if (seq < total) setTimeout(tick, 5);
  };
  tick();
});
const elapsed = (performance.now() - started) / 1000;
socket.removeAllListeners('disconnect');
socket.close();
tell({ done: true, sent: seq, acked, failed, unanswered: seq - acked - failed, disconnected, firstError, seconds: elapsed });
