import type { Ack } from '@backup-telemetry/contract';
import { toTelemetryError } from '../http/errors.js';

type AckFn<T> = (reply: Ack<T>) => void;

/** The socket twin of the Express error middleware: every outcome becomes `{ok, ...}` or `{ok: false, error}`. */
export function ackFrom<T extends object>(ack: unknown): { ok(result: T): void; fail(error: unknown): void } {
  const send = typeof ack === 'function' ? (ack as AckFn<T>) : () => undefined;
  return {
    ok: (result) => send({ ok: true, ...result }),
    fail: (error) => send({ ok: false, error: toTelemetryError(error).toJSON() }),
  };
}
