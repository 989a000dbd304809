import type { Socket } from 'socket.io';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/index.js';

/** What the socket handlers of one plugin instance share. */
export interface LiveContext {
  store: Store;
  pipeline: IngestPipeline;
  logger: Logger;
  now: () => number;
  maxChartPoints: number;
  /** Throws a TelemetryError (401/403) when this socket may not watch the target. */
  authorizeViewer(socket: Socket, target: { job_id?: string; vm_name?: string }): Promise<void>;
  /** Throws a TelemetryError (401/403) when this socket may not send telemetry for the job. */
  authorizeIngest(socket: Socket, jobType: string, jobId: string): Promise<void>;
}
