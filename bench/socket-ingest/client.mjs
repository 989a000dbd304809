// Socket load generator, in its own process: one socket.io-client connection keeps `inflight`
// acknowledged `telemetry` events outstanding for `seconds`, rotating over the given job ids.
// Prints {done, acks, failed, seconds, p50, p99} (latencies in ms, emit → ack).
import { io } from 'socket.io-client';
import { tell } from '../lib/child.mjs';
import { update } from '../lib/payload.mjs';
import { percentile } from '../lib/stats.mjs';

const [port, jobList, secondsArg, inflightArg] = process.argv.slice(2);
const ids = jobList.split(',');
const seconds = Number(secondsArg);
const inflight = Number(inflightArg);

const socket = io(`http://127.0.0.1:${port}/telemetry`, { transports: ['websocket'], forceNew: true, reconnection: false });
await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
tell({ ready: true, pid: process.pid });

let seq = 0;
let acks = 0;
let failed = 0;
let firstError = null;
const latencies = [];
const deadline = performance.now() + seconds * 1000;
const started = performance.now();

await new Promise((resolve) => {
  let outstanding = 0;
  const send = () => {
    if (performance.now() >= deadline) {
      if (outstanding === 0) resolve();
      return;
    }
    const n = seq++;
    const t0 = performance.now();
    outstanding++;
    socket.emit('telemetry', { job_type: 'backup', job_id: ids[n % ids.length], ...update(Math.floor(n / ids.length)) }, (reply) => {
      outstanding--;
      latencies.push(performance.now() - t0);
      if (reply?.ok) acks++;
      else { failed++; firstError ??= reply?.error ?? reply; }
      send();
    });
  };
  for (let i = 0; i < inflight; i++) send();
});
const elapsed = (performance.now() - started) / 1000;
socket.close();
tell({ done: true, acks, failed, firstError, seconds: elapsed, rate: acks / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) });
