#!/usr/bin/env node
import { pino } from 'pino';
import { createHub, type Hub } from './app.js';
import { ConfigError, readConfig } from './config.js';
import { logStartupAdvice } from './advice.js';

const logger = pino({ name: 'example-hub', level: process.env.LOG_LEVEL?.trim() || 'info' });

async function main(): Promise<void> {
  let config;
  try {
    config = readConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.fatal({ variable: error.variable }, `bad configuration: ${error.message}`);
    process.exit(2);
  }

  let hub: Hub;
  try {
    hub = await createHub(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `the hub could not start: ${(error as Error).message}`);
    process.exit(1);
  }
  const port = await hub.listen();
  const url = `http://localhost:${port}`;
  logger.info({ port, database: config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@') }, `hub listening: demo page ${url}/ · API ${url}/api/v1`);
  await logStartupAdvice(config, url, logger);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, committing queued telemetry');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s: exiting anyway');
      process.exit(1);
    }, 10_000);
    force.unref();
    hub.close().then(
      () => { logger.info('hub stopped'); process.exit(0); },
      (error) => { logger.error({ err: error }, 'error while shutting down'); process.exit(1); },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  logger.fatal({ err: error }, 'the hub crashed at start');
  process.exit(1);
});
