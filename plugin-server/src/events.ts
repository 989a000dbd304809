import { EventEmitter } from 'node:events';
import type { JobEndedEvent, JobStaleEvent, JobUpdateEvent } from '@backup-telemetry/contract';

/**
 * What the plugin announces, always after the transaction that caused it committed. The live
 * module turns these into socket pushes; hosts may listen too (`plugin.events.on(...)`).
 */
export interface TelemetryEventMap {
  'job:update': [JobUpdateEvent];
  'job:ended': [JobEndedEvent];
  'job:stale': [JobStaleEvent];
}

export class TelemetryEvents extends EventEmitter<TelemetryEventMap> {}
