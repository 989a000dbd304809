import type { DeliveryStatus, NotificationDelivery, NotificationEventType, NotificationFormat } from '@backup-telemetry/contract';
import type { Knex } from 'knex';
import type { Tables } from '../store/tables.js';

type Db = Knex | Knex.Transaction;

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: number;
  event_id: string;
  event_type: NotificationEventType;
  payload: string;
  attempts: number;
  created_at: number;
  endpoint_id: string;
  url: string;
  format: NotificationFormat;
  secret: string;
}

/** How one attempt ended, as recorded on the delivery row. */
export interface AttemptRecord {
  status: DeliveryStatus;
  next_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  attempted_at: number;
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function deliveryQueries(tables: Tables) {
  const d = tables.notificationDeliveries;
  /** Due, unclaimed (or whose claim lapsed: its instance died mid-send) pending deliveries. */
  const due = (q: Knex.QueryBuilder, nowMs: number) =>
    q.where('status', 'pending').where('next_attempt_at', '<=', nowMs).where((w) => w.whereNull('claimed_until').orWhere('claimed_until', '<', nowMs));
  return {
    async dueIds(db: Db, nowMs: number, limit: number): Promise<number[]> {
      const rows = await due(db(d).select('id'), nowMs).orderBy('next_attempt_at').orderBy('id').limit(limit);
      return rows.map((r: { id: unknown }) => Number(r.id));
    },
    /** The conditional UPDATE that makes exactly one instance the sender of this attempt. */
    async claim(db: Db, id: number, by: string, untilMs: number, nowMs: number): Promise<boolean> {
      return (await due(db(d).where('id', id), nowMs).update({ claimed_by: by, claimed_until: untilMs })) === 1;
    },
    async readClaimed(db: Db, ids: number[], by: string): Promise<ClaimedDelivery[]> {
      if (ids.length === 0) return [];
      const rows = await db(`${d} as d`)
        .join(`${tables.notificationEvents} as e`, 'e.id', 'd.event_id')
        .join(`${tables.notificationEndpoints} as p`, 'p.id', 'd.endpoint_id')
        .whereIn('d.id', ids).where('d.claimed_by', by)
        .select('d.id', 'd.event_id', 'e.type as event_type', 'e.payload', 'd.attempts', 'd.created_at', 'd.endpoint_id', 'p.url', 'p.format', 'p.secret');
      return rows.map((r: Record<string, unknown>) => ({
        id: Number(r.id), event_id: String(r.event_id), event_type: String(r.event_type) as NotificationEventType, payload: String(r.payload),
        attempts: Number(r.attempts), created_at: Number(r.created_at), endpoint_id: String(r.endpoint_id), url: String(r.url),
        format: String(r.format) as NotificationFormat, secret: String(r.secret),
      }));
    },
    /** Records an attempt, only while this instance still holds the claim. */
    async record(db: Db, id: number, by: string, attempt: AttemptRecord): Promise<boolean> {
      return (await db(d).where({ id, claimed_by: by }).update({
        status: attempt.status,
        attempts: db.raw('attempts + 1'),
        next_attempt_at: attempt.next_attempt_at,
        claimed_by: null,
        claimed_until: null,
        last_status_code: attempt.last_status_code,
        last_error: attempt.last_error,
        last_attempt_at: attempt.attempted_at,
        delivered_at: attempt.status === 'delivered' ? attempt.attempted_at : null,
      })) === 1;
    },
    /** Gives a claim back without counting an attempt (the instance is closing). */
    release: (db: Db, id: number, by: string) => db(d).where({ id, claimed_by: by }).update({ claimed_by: null, claimed_until: null }),
    async list(db: Db, filter: { status?: DeliveryStatus; endpoint_id?: string; limit: number }): Promise<NotificationDelivery[]> {
      const q = db(`${d} as d`).join(`${tables.notificationEvents} as e`, 'e.id', 'd.event_id')
        .select('d.*', 'e.type as event_type').orderBy('d.id', 'desc').limit(filter.limit);
      if (filter.status) q.where('d.status', filter.status);
      if (filter.endpoint_id) q.where('d.endpoint_id', filter.endpoint_id);
      return (await q).map((r: Record<string, unknown>) => ({
        id: Number(r.id), event_id: String(r.event_id), event_type: String(r.event_type) as NotificationEventType, endpoint_id: String(r.endpoint_id),
        status: String(r.status) as DeliveryStatus, attempts: Number(r.attempts),
        next_attempt_at: r.status === 'pending' ? iso(r.next_attempt_at) : null, last_attempt_at: iso(r.last_attempt_at),
        last_status_code: numOrNull(r.last_status_code), last_error: r.last_error === null || r.last_error === undefined ? null : String(r.last_error),
        delivered_at: iso(r.delivered_at), created_at: iso(r.created_at)!,
      }));
    },
    /** Deletes finished deliveries of events older than `beforeMs`, then the events left without any. Safe on every instance at once. */
    async prune(db: Db, beforeMs: number): Promise<{ deliveries: number; events: number }> {
      const deliveries = await db(d).whereNot('status', 'pending').where('created_at', '<', beforeMs).delete();
      const events = await db(tables.notificationEvents).where('created_at', '<', beforeMs)
        .whereNotExists((q) => q.select(db.raw('1')).from(d).whereRaw('?? = ??', [`${d}.event_id`, `${tables.notificationEvents}.id`]))
        .delete();
      return { deliveries, events };
    },
    /** Pending deliveries and the time of the oldest one's event, on the `(status, next_attempt_at)` index. */
    async queue(db: Db): Promise<{ depth: number; oldest_created_at: number | null }> {
      const row = await db(d).where('status', 'pending').count({ n: '*' }).min({ oldest: 'created_at' }).first();
      return { depth: Number(row?.n ?? 0), oldest_created_at: numOrNull(row?.oldest) };
    },
  };
}

export type DeliveryQueries = ReturnType<typeof deliveryQueries>;
