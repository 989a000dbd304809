import { randomBytes } from 'node:crypto';
import type { NotificationEventType, WebhookPayload } from '@backup-telemetry/contract';
import type { Statement } from '../fleet/summary-sql.js';
import type { Tables } from '../store/tables.js';
import type { EndpointRow } from './endpoints.js';

/**
 * The outbox: an event and its delivery rows, as statements run in the transaction that makes the
 * change (knex `raw` on SQLite and in the stale detector; appended to the MySQL ingest's one
 * multi-statement round trip). Pure: building them reads nothing.
 */

/** One event to write, with the endpoints that want it. */
export interface OutboxEvent {
  /** `msg_<ulid>`: the `webhook-id` of every attempt. */
  id: string;
  type: NotificationEventType;
  /** The generic body, sent byte for byte on every attempt. */
  payloadText: string;
  created_at: number;
  endpoints: readonly EndpointRow[];
  /**
   * Written only if the VM's `consecutive_failures` (its machine summary, updated earlier in the
   * same transaction) has reached this: `alertAfterConsecutiveFailures` above 1.
   */
  whenFailuresReach?: { vm_name: string; count: number };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 10 characters of time in ms, then 16 of randomness (Crockford base32); sorts by time. */
export function ulid(nowMs: number): string {
  let time = '';
  for (let t = Math.floor(nowMs), i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  const random = [...randomBytes(16)].map((b) => CROCKFORD[b % 32]).join('');
  return time + random;
}

export const eventId = (nowMs: number) => `msg_${ulid(nowMs)}`;

/** The generic body: the Standard Webhooks payload structure `{type, timestamp, data}`. */
export function payloadText(type: NotificationEventType, nowMs: number, data: Record<string, unknown>): string {
  const payload: WebhookPayload = { type, timestamp: new Date(nowMs).toISOString(), data };
  return JSON.stringify(payload);
}

const DELIVERY_COLUMNS = 'event_id, endpoint_id, status, attempts, next_attempt_at, created_at';

/** Rows per multi-row INSERT: 4 bindings each, far below SQLite's 32,766 variables per statement. */
const ROWS_PER_INSERT = 500;

function insertRows(table: string, columns: string, placeholders: string, rows: (string | number)[][]): Statement[] {
  const out: Statement[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    out.push({ sql: `INSERT INTO ?? (${columns}) VALUES ${chunk.map(() => placeholders).join(', ')}`, bindings: [table, ...chunk.flat()] });
  }
  return out;
}

/**
 * The statements that write the events and one pending delivery per endpoint, due at once: one
 * multi-row INSERT of events and one of deliveries for the ungated ones, and per gated event an
 * INSERT … SELECT that writes it (and then its deliveries) only if the VM's failures reached the count.
 * Events without endpoints write nothing.
 */
export function outboxStatements(tables: Tables, events: readonly OutboxEvent[]): Statement[] {
  const wanted = events.filter((e) => e.endpoints.length > 0);
  const plain = wanted.filter((e) => !e.whenFailuresReach);
  const out = [
    ...insertRows(tables.notificationEvents, 'id, type, payload, created_at', '(?, ?, ?, ?)', plain.map((e) => [e.id, e.type, e.payloadText, e.created_at])),
    ...insertRows(tables.notificationDeliveries, DELIVERY_COLUMNS, "(?, ?, 'pending', 0, ?, ?)",
      plain.flatMap((e) => e.endpoints.map((endpoint) => [e.id, endpoint.id, e.created_at, e.created_at]))),
  ];
  for (const event of wanted) {
    const gate = event.whenFailuresReach;
    if (!gate) continue;
    out.push({
      sql: 'INSERT INTO ?? (id, type, payload, created_at) SELECT ?, ?, ?, ? FROM ?? WHERE vm_name = ? AND consecutive_failures >= ?',
      bindings: [tables.notificationEvents, event.id, event.type, event.payloadText, event.created_at, tables.machineSummaries, gate.vm_name, gate.count],
    });
    // Deliveries follow their event: none where the gate kept the event out.
    for (const endpoint of event.endpoints) {
      out.push({
        sql: `INSERT INTO ?? (${DELIVERY_COLUMNS}) SELECT id, ?, 'pending', 0, ?, ? FROM ?? WHERE id = ?`,
        bindings: [tables.notificationDeliveries, endpoint.id, event.created_at, event.created_at, tables.notificationEvents, event.id],
      });
    }
  }
  return out;
}
