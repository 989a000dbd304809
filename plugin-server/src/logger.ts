import { processLogSink } from './log-sink.js';

/** The logging calls the plugin makes; pino, bunyan and console-like loggers fit. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/**
 * A small JSON-lines logger on stderr, used when the host passes none. Its writes never block: lines
 * for a stderr whose reader went away are dropped (see log-sink.ts).
 */
export function defaultLogger(minLevel: Level | 'silent' = 'warn'): Logger {
  const threshold = minLevel === 'silent' ? LEVELS.length : LEVELS.indexOf(minLevel);
  const at = (level: Level) => (obj: object, msg?: string) => {
    if (LEVELS.indexOf(level) < threshold) return;
    processLogSink(process.stderr).write(`${JSON.stringify({ level, time: new Date().toISOString(), name: 'backup-telemetry', msg, ...obj })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
