#!/usr/bin/env node
// Prints the gzipped size of our bundle (all elements + the ECharts modules they use + Lit +
// socket.io-client) next to the full ECharts build, to keep the modular import honest.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ours = fileURLToPath(new URL('../dist/bt-elements.bundle.js', import.meta.url));
if (!existsSync(ours)) {
  console.error('dist/bt-elements.bundle.js is missing: run `npm run build -w @backup-telemetry/web-components` first');
  process.exit(1);
}
const full = require.resolve('echarts/dist/echarts.min.js');
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const measure = (file) => {
  const raw = readFileSync(file);
  return { raw: raw.length, gz: gzipSync(raw, { level: 9 }).length };
};
const a = measure(ours);
const b = measure(full);
console.log(`bt-elements.bundle.js (all elements, Lit, ECharts modules, socket.io-client): ${kib(a.raw)} min, ${kib(a.gz)} gzipped`);
console.log(`echarts.min.js (full ECharts alone):                                       ${kib(b.raw)} min, ${kib(b.gz)} gzipped`);
console.log(`our whole bundle is ${((a.gz / b.gz) * 100).toFixed(0)}% of full ECharts (gzipped)`);
