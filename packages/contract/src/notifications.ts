import { invalid, TelemetryError } from './errors.js';

/**
 * Webhook notifications (README, "Webhooks"): the events a hub sends, their severities, endpoint
 * requests and the delivery report. Later issues add event types here (e.g. `job.anomaly`).
 */
export const NOTIFICATION_EVENT_TYPES = [
  'job.completed', 'job.failed', 'job.cancelled', 'job.stale', 'job.anomaly', 'machine.at_risk', 'machine.protected', 'test',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

export const NOTIFICATION_FORMATS = ['generic', 'slack', 'ntfy'] as const;
export type NotificationFormat = (typeof NOTIFICATION_FORMATS)[number];

/** Severities in increasing order: an endpoint's `min_severity` lets through that one and those after it. */
export const NOTIFICATION_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type NotificationSeverity = (typeof NOTIFICATION_SEVERITIES)[number];

export const EVENT_SEVERITY: Record<NotificationEventType, NotificationSeverity> = {
  'job.completed': 'info',
  'job.cancelled': 'warning',
  'job.stale': 'warning',
  'job.anomaly': 'warning',
  'job.failed': 'critical',
  'machine.at_risk': 'critical',
  'machine.protected': 'info',
  test: 'info',
};

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'gone'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const NOTIFICATION_LIMITS = {
  maxUrlLength: 2048,
  /** A `whsec_` secret's key, base64-decoded, in bytes (the Standard Webhooks range). */
  minKeyBytes: 24,
  maxKeyBytes: 64,
  /** Any other secret, used as its UTF-8 bytes. */
  minSecretLength: 16,
  maxSecretLength: 256,
  maxPatternLength: 255,
} as const;

/** Which events of the chosen types an endpoint gets: VMs whose name matches a glob (`*`, `?`), at or above a severity. */
export interface NotificationFilters {
  vm_name?: string;
  min_severity?: NotificationSeverity;
}

/** `POST /notifications/endpoints` (and the `notificationEndpoints` option). */
export interface NotificationEndpointRequest {
  url: string;
  events: NotificationEventType[];
  /** Default `generic` (Standard Webhooks JSON). */
  format?: NotificationFormat;
  /** `whsec_<base64>` (Standard Webhooks) or any 16–256 characters; generated when absent. */
  secret?: string;
  filters?: NotificationFilters;
}

/** An endpoint as the API returns it: never its secret. */
export interface NotificationEndpoint {
  id: string;
  url: string;
  events: NotificationEventType[];
  format: NotificationFormat;
  filters: NotificationFilters;
  /** `api` (created by POST) or `option` (the plugin's `notificationEndpoints`, upserted at migrate). */
  source: 'api' | 'option';
  created_at: string;
  /** Set when the receiver answered 410 Gone: nothing more is sent to it. */
  disabled_at: string | null;
  disabled_reason: string | null;
}

/** The body of a `generic` webhook (Standard Webhooks payload structure). */
export interface WebhookPayload {
  type: NotificationEventType;
  /** ISO 8601 time of the change. */
  timestamp: string;
  data: Record<string, unknown>;
}

/** One row of `GET /notifications/deliveries`. */
export interface NotificationDelivery {
  id: number;
  /** The `webhook-id` header: the same on every attempt. */
  event_id: string;
  event_type: NotificationEventType;
  endpoint_id: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due (pending only). */
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

type Input = Record<string, unknown>;
const isPlainObject = (value: unknown): value is Input =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
const own = (obj: Input, key: string) => (Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined);
const FIELDS = ['url', 'events', 'format', 'secret', 'filters'];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function validateUrl(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, 'is required: an http(s) URL');
  if (value.length > NOTIFICATION_LIMITS.maxUrlLength) throw invalid(field, `must be at most ${NOTIFICATION_LIMITS.maxUrlLength} characters`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalid(field, 'must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(field, 'must be an http(s) URL');
  return value;
}

function validateSecret(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (value.startsWith('whsec_')) {
    const encoded = value.slice('whsec_'.length);
    const bytes = BASE64.test(encoded) && encoded.length % 4 === 0 ? atob(encoded).length : 0;
    if (bytes < NOTIFICATION_LIMITS.minKeyBytes || bytes > NOTIFICATION_LIMITS.maxKeyBytes) {
      throw invalid(field, `in the whsec_ form must be whsec_ and the base64 of ${NOTIFICATION_LIMITS.minKeyBytes}–${NOTIFICATION_LIMITS.maxKeyBytes} bytes`);
    }
    return value;
  }
  if (value.length < NOTIFICATION_LIMITS.minSecretLength || value.length > NOTIFICATION_LIMITS.maxSecretLength) {
    throw invalid(field, `must be whsec_<base64> or ${NOTIFICATION_LIMITS.minSecretLength}–${NOTIFICATION_LIMITS.maxSecretLength} characters`);
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(field, 'must not contain control characters');
  return value;
}

function validateFilters(value: unknown, field: string): NotificationFilters {
  if (!isPlainObject(value)) throw invalid(field, 'must be an object {vm_name?, min_severity?}');
  for (const key of Object.keys(value)) if (key !== 'vm_name' && key !== 'min_severity') throw invalid(`${field}.${key}`, 'is not a filter (vm_name, min_severity)');
  const out: NotificationFilters = {};
  const pattern = own(value, 'vm_name');
  if (pattern !== undefined) {
    if (typeof pattern !== 'string' || pattern === '' || pattern.length > NOTIFICATION_LIMITS.maxPatternLength) {
      throw invalid(`${field}.vm_name`, `must be a glob pattern of 1–${NOTIFICATION_LIMITS.maxPatternLength} characters (* and ? are wildcards)`);
    }
    out.vm_name = pattern;
  }
  const severity = own(value, 'min_severity');
  if (severity !== undefined) {
    if (!NOTIFICATION_SEVERITIES.includes(severity as NotificationSeverity)) throw invalid(`${field}.min_severity`, `must be one of ${NOTIFICATION_SEVERITIES.join(', ')}`);
    out.min_severity = severity as NotificationSeverity;
  }
  return out;
}

/** Checks an endpoint request; the error names the field (`events[1]`, `filters.min_severity`). */
export function validateEndpointRequest(body: unknown, prefix = ''): NotificationEndpointRequest {
  const path = (k: string) => (prefix ? `${prefix}.${k}` : k);
  if (!isPlainObject(body)) {
    if (prefix) throw invalid(prefix, 'must be an object');
    throw new TelemetryError('invalid_body', 'body must be a JSON object', { field: 'body' });
  }
  for (const key of Object.keys(body)) if (!FIELDS.includes(key)) throw invalid(path(key), `is not an endpoint field (${FIELDS.join(', ')})`);
  const url = validateUrl(own(body, 'url'), path('url'));
  const events = own(body, 'events');
  if (!Array.isArray(events) || events.length === 0) throw invalid(path('events'), `is required: a list of ${NOTIFICATION_EVENT_TYPES.join(', ')}`);
  events.forEach((type, i) => {
    if (!NOTIFICATION_EVENT_TYPES.includes(type as NotificationEventType)) throw invalid(path(`events[${i}]`), `must be one of ${NOTIFICATION_EVENT_TYPES.join(', ')}`);
  });
  const out: NotificationEndpointRequest = { url, events: [...new Set(events as NotificationEventType[])] };
  const format = own(body, 'format');
  if (format !== undefined) {
    if (!NOTIFICATION_FORMATS.includes(format as NotificationFormat)) throw invalid(path('format'), `must be one of ${NOTIFICATION_FORMATS.join(', ')}`);
    out.format = format as NotificationFormat;
  }
  const secret = own(body, 'secret');
  if (secret !== undefined) out.secret = validateSecret(secret, path('secret'));
  const filters = own(body, 'filters');
  if (filters !== undefined) out.filters = validateFilters(filters, path('filters'));
  return out;
}
