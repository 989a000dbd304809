// Runs bench servers and load generators as separate processes, so a load generator never
// competes with the server it measures inside one event loop.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts `node <script> [args]` and resolves once it prints one JSON line with `ready: true`
 * (usually carrying its port). The child's further JSON lines arrive through `messages`.
 */
export async function startChild(script, args = [], { env = {}, nodeArgs = [], timeoutMs = 30_000 } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, fileURLToPath(script), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const messages = [];
  const waiters = [];
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('{')) { if (line) process.stderr.write(`  [${script.pathname.split('/').slice(-2).join('/')}] ${line}\n`); continue; }
      const msg = JSON.parse(line);
      messages.push(msg);
      for (const w of waiters.splice(0)) w();
    }
  });
  const exited = once(child, 'exit');

  /** Resolves with the first message (from now on or already received) matching `predicate`. */
  async function next(predicate, ms = timeoutMs) {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = messages.findIndex(predicate);
      if (found >= 0) return messages.splice(found, 1)[0];
      if (child.exitCode !== null) throw new Error(`${script.pathname} exited with ${child.exitCode} before answering`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${script.pathname} did not answer within ${ms} ms`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  const ready = await next((m) => m.ready === true);
  return {
    ready,
    child,
    next,
    /** Asks the child to finish (SIGTERM) and waits for its exit; SIGKILL after 10 s. */
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts a child that runs to completion and resolves with its last JSON message. */
export async function runChild(script, args = [], options = {}) {
  const c = await startChild(script, args, options);
  const done = await c.next((m) => m.done === true, options.runTimeoutMs ?? 120_000);
  await c.stop();
  return done;
}

/** Prints one JSON line for the parent (the protocol of every bench child). */
export const tell = (msg) => process.stdout.write(JSON.stringify(msg) + '\n');
