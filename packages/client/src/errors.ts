import type { ErrorBody, ErrorCode } from '@backup-telemetry/contract';

/** Codes the SDK adds to the hub's own for faults that never reached (or never came back from) the hub. */
export type ClientErrorCode = 'network_error' | 'ack_timeout' | 'not_connected' | 'end_timeout' | 'closed' | 'invalid_response';

/**
 * Why a delivery failed. `status` is the hub's HTTP status (or the ack's `error.status`), absent for
 * network faults; `retryable` says whether the SDK tries again.
 */
export class ReporterError extends Error {
  readonly code: ErrorCode | ClientErrorCode;
  readonly status?: number;
  readonly field?: string;
  readonly retryable: boolean;
  /** What the hub asked to wait before retrying (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;

  constructor(code: ErrorCode | ClientErrorCode, message: string, options: { status?: number; field?: string; retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ReporterError';
    this.code = code;
    this.status = options.status;
    this.field = options.field;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Whether a hub answer is worth retrying: 408, 429 and 5xx are (a hub that is overloaded, restarting or
 * without its database); every other 4xx means the update itself is refused and retrying cannot help.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Turns a hub error body (HTTP `{error}` or socket ack `error`) into a ReporterError. */
export function fromErrorBody(body: Partial<ErrorBody> | undefined, fallbackStatus: number, retryAfterMs?: number): ReporterError {
  const status = typeof body?.status === 'number' ? body.status : fallbackStatus;
  const code = (typeof body?.code === 'string' ? body.code : status >= 500 ? 'internal_error' : 'invalid_body') as ErrorCode;
  const message = typeof body?.message === 'string' ? body.message : `hub answered ${status}`;
  const bodyRetryMs = typeof body?.retry_after_seconds === 'number' ? body.retry_after_seconds * 1000 : undefined;
  return new ReporterError(code, message, {
    status,
    field: typeof body?.field === 'string' ? body.field : undefined,
    retryable: isRetryableStatus(status),
    retryAfterMs: retryAfterMs ?? bodyRetryMs,
  });
}
