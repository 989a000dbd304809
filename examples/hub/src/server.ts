#!/usr/bin/env node
import { pino } from 'pino';
import { processLogSink } from '@backup-telemetry/plugin-server';
import { createHub, type Hub } from './app.js';
import { ConfigError, readConfig } from './config.js';
import { logStartupAdvice } from './advice.js';
import { DEMO_DAYS, DEMO_RUNNING, fillDemo, selfUrl, shouldFillDemo, startLiveDemo, type LiveDemo } from './demo.js';

// pino's own stdout writer retries a broken pipe forever when it flushes at exit; this sink never blocks.
const logSink = processLogSink(process.stdout);
const logger = pino({ name: 'example-hub', level: process.env.LOG_LEVEL?.trim() || 'info' }, logSink);

/** Exits once the log lines reached stdout, or after `flushMs` when stdout is slow or gone. */
function exitAfterLogs(code: number, flushMs = 2000): void {
  void logSink.flush(flushMs).then(() => process.exit(code));
}

async function main(): Promise<void> {
  let config;
  try {
    config = readConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.fatal({ variable: error.variable }, `bad configuration: ${error.message}`);
    return exitAfterLogs(2);
  }

  let hub: Hub;
  try {
    hub = await createHub(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `the hub could not start: ${(error as Error).message}`);
    return exitAfterLogs(1);
  }
  let demoPlan: Awaited<ReturnType<typeof fillDemo>> | undefined;
  try {
    if (await shouldFillDemo(config, hub.plugin)) demoPlan = await fillDemo(hub.plugin, Date.now());
  } catch (error) {
    logger.error({ err: error }, `demo: the demo fleet could not be filled: ${(error as Error).message}`);
  }
  const port = await hub.listen();
  const url = `http://localhost:${port}`;
  logger.info({ port, database: config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@') }, `hub listening: demo page ${url}/ · API ${url}/api/v1`);
  let demo: LiveDemo | undefined;
  if (demoPlan) {
    demo = startLiveDemo(selfUrl(config.host, port), demoPlan.plan, config.ingestTokens[0], logger);
    logger.info(
      { vms: demoPlan.plan.vms.length, jobs: demoPlan.imported, running: DEMO_RUNNING },
      `demo: filled ${demoPlan.plan.vms.length} VMs with ${DEMO_DAYS} days of history (${demoPlan.imported} jobs; every protection state) and keeps ${DEMO_RUNNING} jobs running; TELEMETRY_DEMO=off turns it off`,
    );
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      exitAfterLogs(1, 200);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, committing queued telemetry');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s: exiting anyway');
      exitAfterLogs(1, 500);
    }, 10_000);
    force.unref();
    (demo?.stop() ?? Promise.resolve()).then(() => hub.close()).then(
      () => { logger.info({ dropped_log_lines: logSink.droppedLines }, 'hub stopped'); exitAfterLogs(0); },
      (error) => { logger.error({ err: error }, 'error while shutting down'); exitAfterLogs(1); },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // After the handlers: a signal during the advice's own request still stops the hub gracefully.
  await logStartupAdvice(config, url, logger);
}

main().catch((error) => {
  logger.fatal({ err: error }, 'the hub crashed at start');
  exitAfterLogs(1);
});
