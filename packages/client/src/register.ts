import { validateRegisterJob, type BackupJob, type RegisterJobRequest } from '@backup-telemetry/contract';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.js';
import { fromErrorBody, ReporterError } from './errors.js';
import { postJson, readJson } from './transports/http.js';
import { joinUrl } from './transports/types.js';

export interface RegisterJobOptions {
  token?: string;
  /** Default `/api/v1`. */
  apiBase?: string;
  /** Per-request timeout. Default 10000. */
  requestTimeoutMs?: number;
  /** Attempts on network faults, 429 and 5xx. Default 3. */
  attempts?: number;
}

/**
 * Registers a job with `POST {hubUrl}{apiBase}/backups` and returns it (`backup_id` is the job id to
 * report under). Give `request.id` to make retries idempotent: the hub answers a repeat with 200.
 * Throws the contract's TelemetryError for an invalid request, a ReporterError when the hub refuses.
 */
export async function registerJob(hubUrl: string, request: RegisterJobRequest, options: RegisterJobOptions = {}): Promise<BackupJob> {
  // Validate here to fail fast with the hub's own message, but send the request as the caller wrote it
  // (the validated form is normalised, e.g. started_at becomes started_at_ms).
  const body = { ...request, id: validateRegisterJob(request).id };
  const url = joinUrl(hubUrl, `${options.apiBase ?? '/api/v1'}/backups`);
  const attempts = Math.max(1, options.attempts ?? 3);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await postJson(url, body, options.token, AbortSignal.timeout(options.requestTimeoutMs ?? 10_000));
      const json = await readJson(response);
      if (response.ok) return json as BackupJob;
      throw fromErrorBody((json as { error?: object } | undefined)?.error, response.status);
    } catch (error) {
      const retryable = error instanceof ReporterError && error.retryable && body.id !== undefined;
      if (!retryable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffDelayMs(attempt, DEFAULT_BACKOFF, Math.random, error.retryAfterMs)));
    }
  }
}
