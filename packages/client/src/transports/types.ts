import type { TelemetryUpdate } from '@backup-telemetry/contract';

export type TransportName = 'socket' | 'http';

/** What the hub said to an accepted update. */
export interface DeliveryReceipt {
  /** False when the hub already had newer state, or this repeated the job's end. */
  applied: boolean;
  transport: TransportName;
}

/**
 * Sends one update and resolves once the hub acknowledged it; rejects with a ReporterError
 * (`retryable` tells the reporter whether to try again).
 */
export interface Transport {
  send(update: TelemetryUpdate): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

/** Where a job's telemetry goes. */
export interface Route {
  /** The hub's base URL, e.g. `http://hub:8082`. */
  hubUrl: string;
  apiBase: string;
  jobType: string;
  jobId: string;
  token?: string;
}

/** `http://hub:8082/` + `/api/v1` → `http://hub:8082/api/v1`. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
