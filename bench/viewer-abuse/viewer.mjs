// One misbehaving viewer, in its own process: one socket re-sending `subscribe` for a job, `inFlight`
// at a time, until SIGTERM. Prints {ready} once connected, and its counts when told to stop.
import { io } from 'socket.io-client';
import { tell } from '../lib/child.mjs';

const [port, jobId, inFlight = '8'] = process.argv.slice(2);
const socket = io(`http://127.0.0.1:${port}/telemetry`, { transports: ['websocket'], reconnection: false });
await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
let acks = 0;
let refused = 0;
let stopping = false;
async function loop() {
  while (!stopping) {
    const ack = await socket.timeout(30_000).emitWithAck('subscribe', { job_id: jobId }).catch(() => ({ ok: false }));
    if (ack.ok) acks++;
    else refused++;
  }
}
const loops = Array.from({ length: Number(inFlight) }, loop);
tell({ ready: true });
process.on('SIGTERM', async () => {
  stopping = true;
  await Promise.all(loops);
  tell({ acks, refused });
  socket.close();
  process.exit(0);
});
