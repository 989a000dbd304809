#!/usr/bin/env node
// Build: type-check and emit dist/ with declarations (tsc), bundle every element into one ESM entry
// that runs without a bundler (esbuild), then generate the custom-elements manifest. ECharts is split
// into chunks next to the entry (dist/bt-elements.chunk-*.js), fetched when a chart first draws, so a
// page that shows no chart yet (the modal on Summary) does not download it.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: pkg, stdio: 'inherit' });

rmSync(`${pkg}/dist`, { recursive: true, force: true });
run(bin('tsc'), ['-p', 'tsconfig.json']);

await build({
  entryPoints: { 'bt-elements.bundle': `${pkg}/src/index.ts` },
  outdir: `${pkg}/dist`,
  entryNames: '[name]',
  chunkNames: 'bt-elements.chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  target: 'es2021',
  tsconfig: `${pkg}/tsconfig.json`,
  define: { 'process.env.NODE_ENV': '"production"' },
  legalComments: 'eof',
  metafile: false,
  logLevel: 'warning',
});

run(bin('cem'), ['analyze', '--litelement', '--globs', 'src/**/*.ts', '--exclude', 'src/**/*.styles.ts', '--outdir', '.']);
console.log('web-components: dist/ and custom-elements.json written');
