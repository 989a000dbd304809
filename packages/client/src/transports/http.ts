import type { TelemetryUpdate } from '@backup-telemetry/contract';
import { parseRetryAfter } from '../backoff.js';
import { fromErrorBody, ReporterError } from '../errors.js';
import { joinUrl, type DeliveryReceipt, type Route, type Transport } from './types.js';

export interface HttpTransportOptions extends Route {
  /** Abort a request after this long and retry it. */
  requestTimeoutMs: number;
}

/** `POST {hubUrl}{apiBase}/telemetry/:job_type/:job_id` with Node's global fetch. */
export function createHttpTransport(options: HttpTransportOptions): Transport {
  const url = joinUrl(options.hubUrl, `${options.apiBase}/telemetry/${encodeURIComponent(options.jobType)}/${encodeURIComponent(options.jobId)}`);
  const closing = new AbortController();

  return {
    async send(update: TelemetryUpdate): Promise<DeliveryReceipt> {
      const response = await postJson(url, update, options.token, AbortSignal.any([closing.signal, AbortSignal.timeout(options.requestTimeoutMs)]));
      const body = await readJson(response);
      if (response.ok) return { applied: (body as { applied?: unknown } | undefined)?.applied !== false, transport: 'http' };
      throw fromErrorBody((body as { error?: object } | undefined)?.error, response.status, parseRetryAfter(response.headers.get('retry-after')));
    },
    async close(): Promise<void> {
      closing.abort();
    },
  };
}

/** One JSON POST; network faults and timeouts become retryable ReporterErrors. */
export async function postJson(url: string, body: unknown, token: string | undefined, signal: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  try {
    return await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    throw new ReporterError('network_error', timedOut ? `no answer from ${url} in time` : `cannot reach ${url}: ${describe(error)}`, { retryable: true, cause: error });
  }
}

/** The response body as JSON, or undefined when it is empty or not JSON (a proxy's HTML error page). */
export async function readJson(response: Response): Promise<unknown> {
  try {
    const text = await response.text();
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
