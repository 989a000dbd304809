/** Machine-readable error codes shared by HTTP bodies and socket acks. */
export const ERROR_CODES = {
  invalid_field: 400,
  invalid_body: 400,
  unauthorized: 401,
  forbidden: 403,
  job_not_found: 404,
  machine_not_found: 404,
  endpoint_not_found: 404,
  job_exists: 409,
  job_ended: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  database_unavailable: 503,
  shutting_down: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** The wire shape of an error: HTTP bodies carry `{ error }`, socket acks `{ ok: false, error }`. */
export interface ErrorBody {
  status: number;
  code: ErrorCode;
  message: string;
  /** The offending field, as a path (`disks[1].progress_percent`). */
  field?: string;
  /** Seconds to wait before retrying (429, 503). */
  retry_after_seconds?: number;
}

/** The one error type thrown by validation, ingest and storage. */
export class TelemetryError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly field?: string;
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, options: { field?: string; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TelemetryError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toJSON(): ErrorBody {
    const body: ErrorBody = { status: this.status, code: this.code, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    if (this.retryAfterSeconds !== undefined) body.retry_after_seconds = this.retryAfterSeconds;
    return body;
  }
}

export function invalid(field: string, message: string): TelemetryError {
  return new TelemetryError('invalid_field', `${field} ${message}`, { field });
}
