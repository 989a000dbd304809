import { createHash, randomBytes } from 'node:crypto';
import {
  EVENT_SEVERITY, NOTIFICATION_SEVERITIES,
  type NotificationEndpoint, type NotificationEndpointRequest, type NotificationEventType, type NotificationFilters, type NotificationFormat,
} from '@backup-telemetry/contract';
import type { Knex } from 'knex';
import { readJson } from '../store/dialect.js';
import type { Tables } from '../store/tables.js';
import { generateSecret } from './signature.js';

type Db = Knex | Knex.Transaction;

/** An endpoint as stored, with its secret (never returned by the API). */
export interface EndpointRow {
  id: string;
  url: string;
  events: NotificationEventType[];
  format: NotificationFormat;
  secret: string;
  filters: NotificationFilters;
  source: 'api' | 'option';
  created_at: number;
  disabled_at: number | null;
  disabled_reason: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function endpointView(row: EndpointRow): NotificationEndpoint {
  return {
    id: row.id, url: row.url, events: row.events, format: row.format, filters: row.filters, source: row.source,
    created_at: iso(row.created_at)!, disabled_at: iso(row.disabled_at), disabled_reason: row.disabled_reason,
  };
}

function fromDb(raw: Record<string, unknown>): EndpointRow {
  return {
    id: String(raw.id),
    url: String(raw.url),
    events: readJson<NotificationEventType[]>(raw.events) ?? [],
    format: String(raw.format) as NotificationFormat,
    secret: String(raw.secret),
    filters: readJson<NotificationFilters>(raw.filters) ?? {},
    source: raw.source === 'option' ? 'option' : 'api',
    created_at: Number(raw.created_at),
    disabled_at: raw.disabled_at === null || raw.disabled_at === undefined ? null : Number(raw.disabled_at),
    disabled_reason: raw.disabled_reason === null || raw.disabled_reason === undefined ? null : String(raw.disabled_reason),
  };
}

/** A glob (`*` any run, `?` one character, everything else literal) as an anchored RegExp. */
export function globPattern(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}

/** Whether an endpoint wants an event: its type is listed, and the VM and severity pass its filters (pure). */
export function wants(endpoint: Pick<EndpointRow, 'events' | 'filters' | 'disabled_at'>, type: NotificationEventType, vmName: string | null): boolean {
  if (endpoint.disabled_at !== null || !endpoint.events.includes(type)) return false;
  const { vm_name: pattern, min_severity: min } = endpoint.filters;
  if (min && NOTIFICATION_SEVERITIES.indexOf(EVENT_SEVERITY[type]) < NOTIFICATION_SEVERITIES.indexOf(min)) return false;
  if (pattern && (vmName === null || !globPattern(pattern).test(vmName))) return false;
  return true;
}

/** The id of an endpoint from the `notificationEndpoints` option: stable across restarts, from its URL and format. */
export function configuredEndpointId(request: NotificationEndpointRequest): string {
  return `cfg_${createHash('sha256').update(`${request.format ?? 'generic'} ${request.url}`).digest('hex').slice(0, 20)}`;
}

function toDb(id: string, request: NotificationEndpointRequest, secret: string, source: 'api' | 'option', nowMs: number) {
  return {
    id, url: request.url, events: JSON.stringify(request.events), format: request.format ?? 'generic', secret,
    filters: JSON.stringify(request.filters ?? {}), source, created_at: nowMs, disabled_at: null, disabled_reason: null,
  };
}

export function endpointQueries(tables: Tables) {
  const table = tables.notificationEndpoints;
  return {
    async all(db: Db): Promise<EndpointRow[]> {
      return (await db(table).select('*').orderBy('created_at').orderBy('id')).map(fromDb);
    },
    async find(db: Db, id: string): Promise<EndpointRow | null> {
      const raw = await db(table).where({ id }).first();
      return raw ? fromDb(raw) : null;
    },
    /** Stores a new endpoint; a secret is generated when the request has none (returned by the caller once). */
    async create(db: Db, request: NotificationEndpointRequest, nowMs: number): Promise<{ row: EndpointRow; generatedSecret?: string }> {
      const generated = request.secret === undefined ? generateSecret() : undefined;
      const id = `ep_${randomBytes(10).toString('hex')}`;
      const values = toDb(id, request, request.secret ?? generated!, 'api', nowMs);
      await db(table).insert(values);
      return { row: fromDb(values), generatedSecret: generated };
    },
    /** The option's endpoints, inserted or brought up to date (a 410's `disabled_at` stays until the host changes the URL). */
    async upsertConfigured(db: Db, requests: readonly NotificationEndpointRequest[], nowMs: number): Promise<void> {
      for (const request of requests) {
        const values = toDb(configuredEndpointId(request), request, request.secret ?? generateSecret(), 'option', nowMs);
        await db(table).insert(values).onConflict('id').merge(['url', 'events', 'format', 'secret', 'filters']);
      }
    },
    /** Removes an endpoint and every delivery to it. False when there was none. */
    async remove(db: Db, id: string): Promise<boolean> {
      await db(tables.notificationDeliveries).where({ endpoint_id: id }).delete();
      return (await db(table).where({ id }).delete()) > 0;
    },
    /** After a 410: the endpoint gets nothing more, and its other pending deliveries stop too. */
    async disable(db: Db, id: string, reason: string, nowMs: number): Promise<void> {
      await db(table).where({ id }).whereNull('disabled_at').update({ disabled_at: nowMs, disabled_reason: reason });
      await db(tables.notificationDeliveries).where({ endpoint_id: id, status: 'pending' })
        .update({ status: 'gone', claimed_by: null, claimed_until: null, next_attempt_at: null, last_error: reason });
    },
  };
}

export type EndpointQueries = ReturnType<typeof endpointQueries>;

/**
 * The endpoints, kept in memory so that writing an event costs no read: refreshed every
 * `refreshMs` and at once after a change made on this instance. An endpoint created on another
 * instance is therefore seen here up to `refreshMs` later; events committed here before then are
 * not sent to it.
 */
export class EndpointCache {
  private rows: EndpointRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  private loading: Promise<void> | null = null;

  constructor(private readonly load: () => Promise<EndpointRow[]>, private readonly refreshMs: number, private readonly onError: (error: unknown) => void) {}

  get endpoints(): readonly EndpointRow[] {
    return this.rows;
  }

  /** The endpoints that want this event. */
  matching(type: NotificationEventType, vmName: string | null): EndpointRow[] {
    return this.rows.length ? this.rows.filter((e) => wants(e, type, vmName)) : [];
  }

  /** Whether any endpoint wants this event type at all (the ingest's cheap first test). */
  anyWants(types: readonly NotificationEventType[]): boolean {
    return this.rows.some((e) => e.disabled_at === null && types.some((t) => e.events.includes(t)));
  }

  private started = 0;

  /** Reloads the endpoints; a load started later always wins, so a refresh after a change never keeps an older list. */
  refresh(): Promise<void> {
    const seq = ++this.started;
    const load = this.load().then((rows) => { if (seq === this.started) this.rows = rows; });
    // Tracked for stop(); its failure is the caller's to handle (through `load`), never unhandled here.
    const tracked: Promise<void> = load.catch(() => undefined).finally(() => { if (this.loading === tracked) this.loading = null; });
    this.loading = tracked;
    return load;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { this.refresh().catch(this.onError); }, this.refreshMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.loading;
  }
}
