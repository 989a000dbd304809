/**
 * The bounded outbox of updates waiting for the hub's acknowledgement, delivered in order.
 *
 * Overflow policy (when more than `capacity` entries wait, e.g. while the hub is unreachable):
 * 1. the newest entry is always kept;
 * 2. the oldest plain `state` entry (one sent only because the interval passed) is dropped first;
 * 3. only when no plain state is left is the oldest `milestone` entry (start, milestone, phase or
 *    status change) dropped;
 * 4. the `end` entry (completed / failed / cancelled) and the entry being sent are never dropped.
 * Every update carries the full cumulative state, so dropping one only thins the history chart.
 */
export type EntryKind = 'state' | 'milestone' | 'end';

export interface OutboxEntry<T> {
  readonly seq: number;
  readonly kind: EntryKind;
  readonly body: T;
}

export class Outbox<T> {
  readonly capacity: number;
  #entries: OutboxEntry<T>[] = [];
  #busy: OutboxEntry<T> | undefined;
  #seq = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError('queue capacity must be an integer of at least 2');
    this.capacity = capacity;
  }

  get size(): number {
    return this.#entries.length;
  }

  entries(): readonly OutboxEntry<T>[] {
    return [...this.#entries];
  }

  /** Adds an entry; returns it and the entries dropped to make room. */
  push(kind: EntryKind, body: T): { entry: OutboxEntry<T>; dropped: OutboxEntry<T>[] } {
    const entry: OutboxEntry<T> = { seq: ++this.#seq, kind, body };
    this.#entries.push(entry);
    const dropped: OutboxEntry<T>[] = [];
    while (this.#entries.length > this.capacity) {
      const victim = this.#victim('state') ?? this.#victim('milestone');
      if (victim === undefined) break;
      this.#entries.splice(this.#entries.indexOf(victim), 1);
      dropped.push(victim);
    }
    return { entry, dropped };
  }

  /** The next entry to send. */
  peek(): OutboxEntry<T> | undefined {
    return this.#entries[0];
  }

  /** Protects an entry from overflow while it is on the wire; `undefined` releases it. */
  setBusy(entry: OutboxEntry<T> | undefined): void {
    this.#busy = entry;
  }

  /** Removes an entry once it was acknowledged or given up. */
  remove(entry: OutboxEntry<T>): void {
    const index = this.#entries.indexOf(entry);
    if (index >= 0) this.#entries.splice(index, 1);
    if (this.#busy === entry) this.#busy = undefined;
  }

  clear(): OutboxEntry<T>[] {
    const all = this.#entries;
    this.#entries = [];
    this.#busy = undefined;
    return all;
  }

  #victim(kind: EntryKind): OutboxEntry<T> | undefined {
    const newest = this.#entries[this.#entries.length - 1];
    return this.#entries.find((e) => e.kind === kind && e !== newest && e !== this.#busy);
  }
}
