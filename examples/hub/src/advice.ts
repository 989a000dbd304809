import type { Logger as PinoLogger } from 'pino';
import type { BackupListResponse } from '@backup-telemetry/contract';
import type { HubConfig } from './config.js';

/** Start-up hints for a newcomer: an open ingest, a closed admin API, and how to fill an empty database. */
export async function logStartupAdvice(config: HubConfig, url: string, logger: PinoLogger): Promise<void> {
  if (config.ingestTokens.length === 0) {
    logger.warn('INGEST IS OPEN: anyone who can reach this hub may report telemetry. Set TELEMETRY_INGEST_TOKENS=token1,token2 outside a demo.');
  }
  if (config.adminTokens.length === 0) {
    logger.info('the admin API is closed (PUT /api/v1/machines/:vm_name/policy answers 403): set TELEMETRY_ADMIN_TOKENS=token1,token2 to set RPO policies over HTTP.');
  }
  try {
    const res = await fetch(`${url}/api/v1/backups?limit=1`);
    const list = (await res.json()) as BackupListResponse;
    if (res.ok && list.backups.length === 0) {
      logger.info(
        `the database is empty. Fill it with a few days of finished backups:  npm run simulate -- --history 3d --hub ${url}` +
        `  · then watch live jobs:  npm run simulate -- --jobs 5 --hub ${url}`,
      );
    }
  } catch (error) {
    logger.debug({ err: error }, 'could not check whether the database is empty');
  }
}
