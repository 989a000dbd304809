import { EventEmitter } from 'node:events';
import type { JobAnomalyEvent, JobEndedEvent, JobLogEvent, JobStaleEvent, JobUpdateEvent, MachineProtectionEvent } from '@backup-telemetry/contract';

/**
 * What the plugin announces, always after the transaction that caused it committed. The live
 * module turns these into socket pushes; hosts may listen too (`plugin.events.on(...)`).
 */
export interface TelemetryEventMap {
  'job:update': [JobUpdateEvent];
  'job:ended': [JobEndedEvent];
  'job:stale': [JobStaleEvent];
  /** A job completed far from its VM's usual size, duration or speed (after the commit that ended it; the `job.anomaly` webhook). */
  'job:anomaly': [JobAnomalyEvent];
  /** Entries appended to a job's session log by one commit (ingest, registration, the stale detector). */
  'job:log': [JobLogEvent];
  /** A VM went at risk (the at-risk sweep; one instance reports each change). */
  'machine:at_risk': [MachineProtectionEvent];
  /** A VM at risk is protected again. */
  'machine:protected': [MachineProtectionEvent];
}

export class TelemetryEvents extends EventEmitter<TelemetryEventMap> {}
