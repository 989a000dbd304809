#!/usr/bin/env node
// Prints the gzipped size of our bundle's entry (what a page loads first: every element, Lit,
// socket.io-client), of the chunks it imports when a chart first draws (the ECharts modules), and of
// all of it next to the full ECharts build, to keep the split and the modular import honest.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
if (!existsSync(`${dist}bt-elements.bundle.js`)) {
  console.error('dist/bt-elements.bundle.js is missing: run `npm run build -w @backup-telemetry/web-components` first');
  process.exit(1);
}
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const measure = (file) => {
  const raw = readFileSync(file);
  return { raw: raw.length, gz: gzipSync(raw, { level: 9 }).length };
};
const sum = (list) => list.reduce((a, b) => ({ raw: a.raw + b.raw, gz: a.gz + b.gz }), { raw: 0, gz: 0 });
const chunkFiles = readdirSync(dist).filter((f) => /^bt-elements\.chunk-[\w-]+\.js$/.test(f));
// What the entry imports statically is fetched with it; the rest only on a dynamic import().
const entryText = readFileSync(`${dist}bt-elements.bundle.js`, 'utf8');
const eager = chunkFiles.filter((f) => new RegExp(`from\\s*"\\./${f.replace(/\./g, '\\.')}"`).test(entryText));
const entry = sum([measure(`${dist}bt-elements.bundle.js`), ...eager.map((f) => measure(dist + f))]);
const chunks = sum(chunkFiles.filter((f) => !eager.includes(f)).map((f) => measure(dist + f)));
const all = sum([entry, chunks]);
const full = measure(require.resolve('echarts/dist/echarts.min.js'));
const line = (label, m) => console.log(`${label.padEnd(84)} ${kib(m.raw).padStart(11)} min, ${kib(m.gz).padStart(9)} gzipped`);
line(`bt-elements.bundle.js + ${eager.length} chunk it imports (every element, Lit, socket.io-client)`, entry);
line(`${chunkFiles.length - eager.length} chunk imported when a chart first draws (the ECharts modules)`, chunks);
line('all of it', all);
line('echarts.min.js (full ECharts alone)', full);
console.log(`a page with no chart on it loads ${((entry.gz / all.gz) * 100).toFixed(0)}% of all of it; all of it is ${((all.gz / full.gz) * 100).toFixed(0)}% of full ECharts (gzipped)`);
