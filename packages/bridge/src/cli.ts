#!/usr/bin/env node
import { parseCli, UsageError, USAGE } from './args.js';
import { runBridge } from './run.js';

// A closed terminal pipe (`| head`) must not crash the bridge while the backup runs.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

async function main(argv: string[]): Promise<number> {
  try {
    const cli = parseCli(argv);
    if (cli.kind === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    return await runBridge(cli.options);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`backup-telemetry: ${error.message}\n\n${USAGE}`);
      return 64;
    }
    process.stderr.write(`backup-telemetry: ${(error as Error).stack ?? String(error)}\n`);
    return 70;
  }
}

process.exitCode = await main(process.argv.slice(2));
