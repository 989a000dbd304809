/** Where log lines go: process.stdout, process.stderr, or any writable stream. */
export interface LogStream {
  write(chunk: string): boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'drain' | 'error' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'error' | 'close', listener: () => void): unknown;
  readonly writableLength?: number;
}

/** A line writer that never blocks the process and never stops it from exiting. */
export interface LogSink {
  write(line: string): void;
  /** Waits until every written line reached the destination, it broke, or `timeoutMs` passed. */
  flush(timeoutMs?: number): Promise<void>;
  /** Lines dropped because the destination was gone (EPIPE) or had stopped reading (buffer full). */
  readonly droppedLines: number;
}

/** Lines held in memory for a destination that stopped reading before new ones are dropped. */
export const MAX_BUFFERED_LOG_BYTES = 1024 * 1024;

/**
 * Writes go through the stream's own non-blocking writes (libuv queues them when a pipe is full),
 * never a synchronous retry loop: a log reader that went away (EPIPE) or stopped reading must not
 * stall ingest or a stop. A broken destination drops every later line; a stalled one holds at most
 * `maxBufferedBytes` and drops the rest. Both are counted.
 */
export function createLogSink(stream: LogStream, maxBufferedBytes = MAX_BUFFERED_LOG_BYTES): LogSink {
  let broken = false;
  let droppedLines = 0;
  stream.on('error', () => { broken = true; }); // EPIPE & co.: an unhandled 'error' would crash the host
  const pending = () => stream.writableLength ?? 0;
  return {
    write(line) {
      if (broken || pending() > maxBufferedBytes) droppedLines += 1;
      else stream.write(line);
    },
    flush(timeoutMs = 2000) {
      if (broken || pending() === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          for (const event of ['drain', 'error', 'close'] as const) stream.off(event, done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        for (const event of ['drain', 'error', 'close'] as const) stream.once(event, done);
      });
    },
    get droppedLines() { return droppedLines; },
  };
}

// One sink per process stream, shared by every default logger: each sink listens for the stream's errors.
const processSinks = new WeakMap<LogStream, LogSink>();

/** The shared sink of process.stdout or process.stderr. */
export function processLogSink(stream: NodeJS.WriteStream = process.stderr): LogSink {
  let sink = processSinks.get(stream);
  if (!sink) processSinks.set(stream, (sink = createLogSink(stream)));
  return sink;
}
