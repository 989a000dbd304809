// Diagnostics for BENCH_TRACE=1: batch sizes, commit times and per-statement times of a plugin's
// group-committing pipeline, once a second on stderr. Wraps a private method: bench use only.

export function traceBatches({ ingest, knex }) {
  const sizes = [];
  const ms = [];
  let queries = 0;
  const started = new Map();
  const perKind = new Map();
  knex.on('query', (q) => { queries++; started.set(q.__knexQueryUid, [performance.now(), q.sql.slice(0, 30).replace(/`\w+`/g, 'T')]); });
  knex.on('query-response', (_r, q) => {
    const s = started.get(q.__knexQueryUid);
    if (!s) return;
    started.delete(q.__knexQueryUid);
    const k = perKind.get(s[1]) ?? [0, 0];
    k[0]++; k[1] += performance.now() - s[0];
    perKind.set(s[1], k);
  });
  const original = ingest.commitBatch.bind(ingest);
  ingest.commitBatch = async (batch) => {
    const t0 = performance.now();
    try { return await original(batch); } finally { sizes.push(batch.length); ms.push(performance.now() - t0); }
  };
  setInterval(() => {
    if (!sizes.length) return;
    const avg = (a) => a.reduce((x, y) => x + y, 0) / a.length;
    process.stderr.write(`  trace: ${sizes.length} batches/s, avg size ${avg(sizes).toFixed(1)}, avg commit ${avg(ms).toFixed(1)} ms, ${queries} queries/s, queued ${ingest.lanes.reduce((n, l) => n + l.queue.length, 0)}\n`);
    for (const [k, [n, t]] of perKind) process.stderr.write(`    ${k.padEnd(32)} ${n} × ${(t / n).toFixed(2)} ms\n`);
    perKind.clear();
    sizes.length = 0; ms.length = 0; queries = 0;
  }, 1000).unref();
}
