import type { Knex } from 'knex';
import { collateTextExactly, exactCollation, isMysql } from '../dialect.js';
import type { Tables } from '../tables.js';
import type { Migration } from './index.js';

/**
 * Webhooks (README, "Webhooks"):
 * - `notification_endpoints`: where to send (url, event types, format, secret, filters); `disabled_at`
 *   once a receiver answered 410 Gone.
 * - `notification_events`: the outbox. One row per event, written in the transaction that changes the
 *   job or machine; its id is the `webhook-id` of every attempt; `payload` is the exact body text.
 * - `notification_deliveries`: one row per event and endpoint, written in that same transaction, so a
 *   crash after the commit still delivers. Claimed by one instance at a time (`claimed_by`,
 *   `claimed_until`: a lease), retried on `next_attempt_at`.
 * Rows past `notifyRetentionDays` are pruned (finished deliveries, then events left without any).
 * - `notification_reminders`: when a VM that stays at risk was last reminded about; a conditional
 *   UPDATE of it decides which instance sends each reminder.
 */
export const notifications: Migration = {
  name: '009_notifications',
  async up(knex: Knex, t: Tables) {
    const collation = isMysql(knex) ? await exactCollation(knex) : null;
    await knex.schema.createTable(t.notificationEndpoints, (table) => {
      table.string('id', 40).primary();
      table.text('url').notNullable();
      table.text('events').notNullable().comment('JSON list of event types');
      table.string('format', 16).notNullable();
      table.string('secret', 300).notNullable();
      table.text('filters').nullable().comment('JSON {vm_name?, min_severity?}');
      table.string('source', 16).notNullable().comment('api or option');
      table.bigInteger('created_at').notNullable();
      table.bigInteger('disabled_at').nullable();
      table.string('disabled_reason', 200).nullable();
    });
    await collateTextExactly(knex, t.notificationEndpoints);
    await knex.schema.createTable(t.notificationEvents, (table) => {
      table.string('id', 40).primary().comment('the webhook-id');
      table.string('type', 40).notNullable();
      table.text('payload', 'mediumtext').notNullable().comment('the generic body, as sent');
      table.bigInteger('created_at').notNullable();
      table.index(['created_at'], `${t.prefix}notify_event_created`);
    });
    await collateTextExactly(knex, t.notificationEvents);
    await knex.schema.createTable(t.notificationDeliveries, (table) => {
      table.increments('id').primary();
      table.string('event_id', 40).notNullable();
      table.string('endpoint_id', 40).notNullable();
      table.string('status', 16).notNullable().comment('pending, delivered, failed, gone');
      table.integer('attempts').notNullable().defaultTo(0);
      table.bigInteger('next_attempt_at').nullable();
      table.string('claimed_by', 64).nullable();
      table.bigInteger('claimed_until').nullable();
      table.integer('last_status_code').nullable();
      table.string('last_error', 500).nullable();
      table.bigInteger('last_attempt_at').nullable();
      table.bigInteger('delivered_at').nullable();
      table.bigInteger('created_at').notNullable().comment("the event's time: the 24 h give-up counts from it");
      table.unique(['event_id', 'endpoint_id'], { indexName: `${t.prefix}notify_delivery_event_endpoint` });
      table.index(['status', 'next_attempt_at'], `${t.prefix}notify_delivery_due`);
      table.index(['endpoint_id', 'status'], `${t.prefix}notify_delivery_endpoint`);
      table.index(['created_at'], `${t.prefix}notify_delivery_created`);
    });
    await collateTextExactly(knex, t.notificationDeliveries);
    await knex.schema.createTable(t.notificationReminders, (table) => {
      const name = table.string('vm_name', 255).notNullable();
      (collation ? name.collate(collation) : name).primary();
      table.bigInteger('reminded_at').notNullable();
      if (collation) table.charset('utf8mb4');
    });
    await collateTextExactly(knex, t.notificationReminders);
  },
  async down(knex: Knex, t: Tables) {
    await knex.schema.dropTableIfExists(t.notificationReminders);
    await knex.schema.dropTableIfExists(t.notificationDeliveries);
    await knex.schema.dropTableIfExists(t.notificationEvents);
    await knex.schema.dropTableIfExists(t.notificationEndpoints);
  },
};
