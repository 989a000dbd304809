import type { Knex } from 'knex';
import { errorText } from '../error-text.js';
import type { Logger } from '../logger.js';
import type { ClaimedDelivery, DeliveryQueries, AttemptRecord } from './deliveries.js';
import { MAX_MESSAGE_CHARS, plain, render } from './formats.js';
import { nextAttemptAt, outcomeOf, parseRetryAfter } from './schedule.js';
import { signatureHeaders } from './signature.js';

export type DeliveryResult = 'delivered' | 'retried' | 'failed' | 'gone';

export interface DelivererOptions {
  knex: Knex;
  deliveries: DeliveryQueries;
  /** Who claims: unique per plugin instance. */
  instanceId: string;
  pollIntervalMs: number;
  /** An attempt with no complete answer by then counts as failed (and is retried). */
  timeoutMs: number;
  /** Attempts in flight at once on this instance. */
  concurrency: number;
  now: () => number;
  logger: Logger;
  /** After a 410: stop sending to that endpoint. */
  onGone(endpointId: string, reason: string): Promise<void>;
  onResult(result: DeliveryResult): void;
}

/** A claim outlives the attempt it covers: another instance may take the delivery over only once it lapsed. */
const leaseMs = (timeoutMs: number) => Math.max(30_000, timeoutMs + 20_000);
const SNIPPET_CHARS = 200;

async function snippet(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < SNIPPET_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return plain(text, SNIPPET_CHARS);
}

/**
 * Sends due deliveries: every instance runs one. Each attempt is claimed with a conditional UPDATE
 * (deliveries.ts `claim`), so exactly one instance sends it; a claim lapses after the lease, so a
 * delivery whose sender died is sent again by another (with the same `webhook-id`). Sending never
 * holds a database connection, and at most `concurrency` attempts wait on receivers at once.
 */
export class Deliverer {
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private ticking: Promise<void> | null = null;
  private again = false;
  private readonly closing = new AbortController();

  constructor(private readonly options: DelivererOptions) {}

  start(): void {
    if (this.timer || this.closing.signal.aborted) return;
    this.timer = setInterval(() => this.kick(), this.options.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Looks for due deliveries now (after a local commit wrote some). */
  kick(): void {
    if (this.timer && !this.closing.signal.aborted) void this.tick();
  }

  /** One pass that waits for its attempts to finish (tests; hosts without the timer). */
  async runOnce(): Promise<void> {
    await this.tick();
    await Promise.all([...this.inFlight]);
  }

  /** Stops the timer and aborts attempts in flight; their claims are given back, so another instance (or a restart) sends them. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closing.abort();
    await this.ticking;
    await Promise.all([...this.inFlight]);
  }

  private tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = this.claimAndSend()
      .catch((error) => this.options.logger.warn({ err: errorText(error) }, 'webhook deliveries could not be claimed'))
      .finally(() => {
        this.ticking = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
    return this.ticking;
  }

  private async claimAndSend(): Promise<void> {
    const { knex, deliveries, instanceId, concurrency, now, timeoutMs } = this.options;
    const free = concurrency - this.inFlight.size;
    if (free <= 0 || this.closing.signal.aborted) return;
    const nowMs = now();
    const claimed: number[] = [];
    for (const id of await deliveries.dueIds(knex, nowMs, free * 2)) {
      if (claimed.length >= free) break;
      if (await deliveries.claim(knex, id, instanceId, nowMs + leaseMs(timeoutMs), nowMs)) claimed.push(id);
    }
    for (const delivery of await deliveries.readClaimed(knex, claimed, instanceId)) {
      const attempt: Promise<void> = this.attempt(delivery)
        .catch((error) => this.options.logger.warn({ err: errorText(error), delivery_id: delivery.id }, 'a webhook attempt could not be recorded'))
        .finally(() => {
          this.inFlight.delete(attempt);
          this.kick();
        });
      this.inFlight.add(attempt);
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { knex, deliveries, instanceId, now, timeoutMs, logger } = this.options;
    const sentAt = now();
    let status: number | null = null;
    let error: string | null = null;
    let retryAfterMs: number | undefined;
    try {
      const rendered = render(delivery.format, delivery.url, delivery.payload);
      const headers = {
        'content-type': rendered.contentType,
        'user-agent': 'backup-telemetry-webhooks/1',
        ...signatureHeaders(delivery.secret, delivery.event_id, Math.floor(sentAt / 1000), rendered.body),
      };
      const res = await fetch(rendered.url, {
        method: 'POST', headers, body: rendered.body, redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.closing.signal]),
      });
      status = res.status;
      retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now());
      if (status >= 300 && status < 400) error = `HTTP ${status}: redirects are not followed (Location: ${plain(res.headers.get('location') ?? '-', 300)})`;
      else if (status < 200 || status >= 300) error = `HTTP ${status}${await snippet(res).then((s) => (s ? `: ${s}` : ''), () => '')}`;
      await res.body?.cancel().catch(() => undefined);
    } catch (thrown) {
      if (this.closing.signal.aborted) {
        await deliveries.release(knex, delivery.id, instanceId);
        return;
      }
      const e = thrown as { name?: string; cause?: { code?: string; message?: string }; message?: string };
      error = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `request failed: ${e.cause?.code ?? e.cause?.message ?? e.message ?? String(thrown)}`;
    }
    const outcome = outcomeOf(status, retryAfterMs);
    const attemptedAt = now();
    const record: AttemptRecord = { status: 'delivered', next_attempt_at: null, last_status_code: status, last_error: error && plain(error, MAX_MESSAGE_CHARS), attempted_at: attemptedAt };
    let result: 'delivered' | 'retried' | 'failed' | 'gone' = 'delivered';
    if (outcome.kind === 'gone') {
      record.status = 'gone';
      result = 'gone';
    } else if (outcome.kind === 'retry') {
      const next = nextAttemptAt(delivery.attempts + 1, delivery.created_at, attemptedAt, outcome.retryAfterMs);
      record.status = next === null ? 'failed' : 'pending';
      record.next_attempt_at = next;
      result = next === null ? 'failed' : 'retried';
    }
    if (!(await deliveries.record(knex, delivery.id, instanceId, record))) return; // deleted meanwhile
    this.options.onResult(result);
    const fields = { delivery_id: delivery.id, webhook_id: delivery.event_id, endpoint_id: delivery.endpoint_id, status_code: status, attempts: delivery.attempts + 1 };
    if (result === 'gone') {
      await this.options.onGone(delivery.endpoint_id, `the receiver answered 410 Gone at ${new Date(attemptedAt).toISOString()}`);
      logger.warn(fields, 'webhook endpoint answered 410 Gone: it is disabled');
    } else if (result === 'failed') logger.warn({ ...fields, error: record.last_error }, 'webhook delivery failed for good (24 h of retries)');
    else if (result === 'retried') logger.info({ ...fields, error: record.last_error, next_attempt_at: record.next_attempt_at }, 'webhook attempt failed; retrying');
  }
}
