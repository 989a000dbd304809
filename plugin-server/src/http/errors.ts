import { TelemetryError, type ErrorBody } from '@backup-telemetry/contract';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { capped, errorText } from '../error-text.js';
import type { TelemetryMetrics } from '../metrics.js';
import { isUnavailable } from '../store/dialect.js';

/** Turns anything thrown into the one TelemetryError shape. */
export function toTelemetryError(error: unknown): TelemetryError {
  if (error instanceof TelemetryError) return error;
  if (isUnavailable(error)) return new TelemetryError('database_unavailable', 'the telemetry database is unavailable; retry shortly', { retryAfterSeconds: 5, cause: error });
  const e = error as { type?: string; status?: number; limit?: number } | null;
  if (e?.type === 'entity.too.large') return new TelemetryError('payload_too_large', `request body exceeds ${e.limit ?? 'the'} bytes`, { field: 'body' });
  if (e?.type === 'entity.parse.failed') return new TelemetryError('invalid_body', 'request body is not valid JSON', { field: 'body' });
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new TelemetryError('unsupported_media_type', 'request body must be UTF-8 JSON', { field: 'content-type' });
  // Other client errors raised before our code runs: a body that does not match its Content-Encoding,
  // a path whose percent-escapes do not decode. They carry a 4xx status of their own.
  if (error instanceof URIError) return new TelemetryError('invalid_field', 'the path is not validly percent-encoded', { field: 'path' });
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new TelemetryError('invalid_body', 'request body could not be read (check Content-Encoding)', { field: 'body' });
  return new TelemetryError('internal_error', 'internal error', { cause: error });
}

export function errorBody(error: TelemetryError): { error: ErrorBody } {
  return { error: error.toJSON() };
}

/** The one Express error middleware: JSON body naming the field, never a stack trace. */
export function errorMiddleware(logger: Logger, metrics: TelemetryMetrics): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const te = toTelemetryError(error);
    // Refusals before the ingest pipeline (body too large, wrong type, broken JSON) still count.
    if (req.method === 'POST' && req.path.startsWith('/telemetry/')) metrics.rejected(te.code, error);
    if (te.status >= 500 && te.code !== 'database_unavailable') {
      logger.error({ err: errorText(te.cause ?? error), method: req.method, path: capped(req.originalUrl, 300), job_id: capped(String(req.params?.job_id ?? ''), 80) || undefined }, 'request failed');
    }
    if (te.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(te.retryAfterSeconds));
    res.status(te.status).json(errorBody(te));
  };
}

/** POSTs must say they carry JSON (415 otherwise). */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    next(new TelemetryError('unsupported_media_type', 'request body must be sent as Content-Type: application/json', { field: 'content-type' }));
    return;
  }
  next();
};
