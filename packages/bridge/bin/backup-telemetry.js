#!/usr/bin/env node
// Committed launcher for the built CLI: npm links a package's bins when it installs it, before any build,
// and skips a bin whose file is missing, so the bin cannot point into dist/ itself.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);

if (existsSync(fileURLToPath(cli))) {
  await import(cli.href);
} else {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  process.stderr.write(
    `backup-telemetry: the bridge is not built (${fileURLToPath(cli)} is missing).\n` +
      `Build it first, from the repository root (${root}): npm run build\n`,
  );
  process.exitCode = 78;
}
