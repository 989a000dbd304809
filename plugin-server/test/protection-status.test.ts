import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSpan, protectionStatus, quoteError, REASON_ERROR_MAX_CHARS, type ProtectionInput } from '../src/protection/status.js';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAILY = { rpo_hours: 24, grace_minutes: 60 };

/** A VM's summary: first seen 30 days ago, last success `successAgoMs` ago (null: never). */
function vm(successAgoMs: number | null, overrides: Partial<ProtectionInput> = {}): ProtectionInput {
  return {
    first_seen_at: NOW - 30 * 24 * HOUR,
    last_success_at: successAgoMs === null ? null : NOW - successAgoMs,
    last_ended_status: successAgoMs === null ? null : 'completed',
    last_failure_error: null,
    consecutive_failures: 0,
    ...overrides,
  };
}

const statusOf = (s: ProtectionInput, policy = DAILY) => protectionStatus(s, policy, NOW).status;

describe('protection status of a VM', () => {
  it('is protected while the newest success is within the RPO, up to exactly the RPO', () => {
    const p = protectionStatus(vm(3 * HOUR), DAILY, NOW);
    assert.deepEqual(p, { status: 'protected', rpo_hours: 24, last_success_at: new Date(NOW - 3 * HOUR).toISOString(), consecutive_failures: 0, reason: 'Last successful backup 3 h ago (RPO 24 h)' });
    assert.equal(statusOf(vm(24 * HOUR)), 'protected');
    assert.equal(statusOf(vm(24 * HOUR + 1)), 'warning');
  });

  it('warns within the RPO when the newest ended job failed or was cancelled, quoting the error', () => {
    const failed = protectionStatus(vm(2 * HOUR, { last_ended_status: 'failed', last_failure_error: 'NBD connection reset by peer', consecutive_failures: 1 }), DAILY, NOW);
    assert.equal(failed.status, 'warning');
    assert.equal(failed.reason, 'Last successful backup 2 h ago (RPO 24 h); last attempt failed: NBD connection reset by peer');
    const cancelled = protectionStatus(vm(2 * HOUR, { last_ended_status: 'cancelled' }), DAILY, NOW);
    assert.deepEqual([cancelled.status, cancelled.reason], ['warning', 'Last successful backup 2 h ago (RPO 24 h); last attempt was cancelled']);
  });

  it('warns past the RPO within the grace, and turns at_risk only after RPO + grace', () => {
    const late = protectionStatus(vm(24 * HOUR + 25 * MIN), DAILY, NOW);
    assert.deepEqual([late.status, late.reason], ['warning', 'No successful backup for 24 h (RPO 24 h); at risk in 35 min']);
    assert.equal(statusOf(vm(25 * HOUR)), 'warning', 'exactly RPO + grace is still within the grace');
    assert.equal(statusOf(vm(25 * HOUR + 1)), 'at_risk');
  });

  it('is at_risk with the sentence a person reads', () => {
    const p = protectionStatus(vm(31 * HOUR, { last_ended_status: 'failed', last_failure_error: 'NBD connection reset by peer', consecutive_failures: 1 }), DAILY, NOW);
    assert.deepEqual([p.status, p.consecutive_failures], ['at_risk', 1]);
    assert.equal(p.reason, 'No successful backup for 31 h (RPO 24 h); last attempt failed: NBD connection reset by peer');
    const failing = protectionStatus(vm(5 * 24 * HOUR, { last_ended_status: 'failed', last_failure_error: 'disk full', consecutive_failures: 4 }), DAILY, NOW);
    assert.equal(failing.reason, 'No successful backup for 5 d (RPO 24 h); last 4 attempts failed: disk full');
  });

  it('is pending before a first success while the VM is known for at most RPO + grace, then at_risk', () => {
    const fresh = protectionStatus(vm(null, { first_seen_at: NOW - 2 * HOUR }), DAILY, NOW);
    assert.deepEqual([fresh.status, fresh.last_success_at, fresh.reason], ['pending', null, 'No successful backup yet; first seen 2 h ago (RPO 24 h)']);
    assert.equal(statusOf(vm(null, { first_seen_at: NOW - 25 * HOUR })), 'pending');
    const never = protectionStatus(vm(null, { first_seen_at: NOW - 25 * HOUR - 1, last_ended_status: 'failed', last_failure_error: 'auth', consecutive_failures: 3 }), DAILY, NOW);
    assert.deepEqual([never.status, never.reason], ['at_risk', 'No successful backup since the machine was first seen 25 h ago (RPO 24 h); last 3 attempts failed: auth']);
  });

  it('is unmonitored without an RPO, whatever the history', () => {
    const p = protectionStatus(vm(90 * 24 * HOUR, { last_ended_status: 'failed', consecutive_failures: 9 }), { rpo_hours: null, grace_minutes: 60 }, NOW);
    assert.deepEqual([p.status, p.rpo_hours, p.consecutive_failures], ['unmonitored', null, 9]);
  });

  it('takes RPOs in fractions of an hour down to a minute', () => {
    const half = { rpo_hours: 0.5, grace_minutes: 10 };
    assert.equal(statusOf(vm(30 * MIN), half), 'protected');
    assert.equal(statusOf(vm(30 * MIN + 1), half), 'warning');
    assert.equal(statusOf(vm(40 * MIN), half), 'warning');
    const p = protectionStatus(vm(40 * MIN + 1), half, NOW);
    assert.deepEqual([p.status, p.reason], ['at_risk', 'No successful backup for 40 min (RPO 30 min)']);
    const minute = { rpo_hours: 1 / 60, grace_minutes: 0 };
    assert.equal(statusOf(vm(MIN), minute), 'protected');
    assert.equal(statusOf(vm(MIN + 1), minute), 'at_risk');
    assert.equal(protectionStatus(vm(2 * HOUR), { rpo_hours: 1.5, grace_minutes: 15 }, NOW).reason, 'No successful backup for 2 h (RPO 1.5 h)');
  });

  it('a running job does not make a VM protected', () => {
    // The summary only changes when a job ends: a VM whose job is running keeps the status its last end gave it.
    assert.equal(statusOf(vm(30 * HOUR, { last_ended_status: 'failed' })), 'at_risk');
  });

  it('quotes untrusted error text as one capped line of text', () => {
    const long = `line one\nline\u0007two <script>alert(1)</script> ${'x'.repeat(500)}`;
    const quoted = quoteError(long);
    assert.equal(quoted.length, REASON_ERROR_MAX_CHARS);
    assert.ok(quoted.startsWith('line one line two <script>alert(1)</script> x'));
    assert.ok(quoted.endsWith('…'));
    const p = protectionStatus(vm(30 * HOUR, { last_ended_status: 'failed', last_failure_error: long, consecutive_failures: 1 }), DAILY, NOW);
    assert.ok(p.reason.endsWith('…') && !p.reason.includes('\n'));
  });

  it('says spans as a person does, rounded down', () => {
    assert.deepEqual([20_000, 45 * MIN, 90 * MIN, 9.99 * HOUR, 31.9 * HOUR, 80 * HOUR].map(formatSpan), ['under 1 min', '45 min', '1.5 h', '9.9 h', '31 h', '3 d']);
  });
});
