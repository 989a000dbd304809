#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from BENCH_CPU_PROF=1 or node --cpu-prof): self time by package or
// source file and the hottest functions, to say where a server's CPU goes.
//   node bench/profile-summary.mjs bench/profiles/CPU.*.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const topIdx = args.indexOf('--top');
const top = topIdx >= 0 ? Number(args.splice(topIdx, 2)[1]) : 20;

function bucketOf(url) {
  if (!url) return '(native / idle / gc)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const m = url.match(/(plugin-server|packages\/[^/]+|bench)\/(.*)$/);
  return m ? `${m[1]}/${m[2]}` : url;
}

for (const file of args) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  let total = 0;
  const buckets = new Map();
  const fns = new Map();
  for (const [id, us] of dt) {
    const n = byId.get(id);
    const cf = n.callFrame;
    total += us;
    const name = cf.functionName || '(anonymous)';
    const bucket = name === '(idle)' ? '(idle)' : name === '(garbage collector)' ? '(gc)' : name === '(program)' ? '(program)' : bucketOf(cf.url);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
    const key = `${name}  ${bucketOf(cf.url)}:${cf.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const busy = total - (buckets.get('(idle)') ?? 0);
  const pct = (us, of) => `${((us / of) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (${pct(busy, total)})`);
  console.log('  self time by package / file (share of busy time):');
  for (const [k, us] of [...buckets].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us, busy)}  ${k}`);
  console.log('  hottest functions (self):');
  for (const [k, us] of [...fns].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us, busy)}  ${k}`);
}
