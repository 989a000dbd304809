import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { io, type Socket } from 'socket.io-client';
import {
  CLIENT_EVENTS,
  SERVER_EVENTS,
  TELEMETRY_NAMESPACE,
  type Ack,
  type BackupJob,
  type BackupListResponse,
  type BackupStats,
  type ChartPoint,
  type MachineInsight,
  type HistoryResponse,
  type JobEndedEvent,
  type JobLogEntry,
  type JobLogEvent,
  type JobLogResponse,
  type JobStaleEvent,
  type JobUpdateEvent,
  type Machine,
  type MachineProtectionEvent,
  type MachineUpdateEvent,
  type PerformanceMetrics,
  type PhaseSpan,
  type SubscribeAck,
  type SubscribeRequest,
} from '@backup-telemetry/contract';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** Chart data of one job, from REST history, a subscribe ack, or live pushes. */
export interface JobChart {
  status: LoadStatus;
  /** Where the points came from; `none` means the hub has no performance data (legacy job). */
  source: 'rolled_up' | 'live_snapshots' | 'none';
  points: ChartPoint[];
  /** Spans from the rollup; null while live (derived from points instead). */
  phases: PhaseSpan[] | null;
  metrics: PerformanceMetrics | null;
  error?: string;
}

/** A job's session log as loaded from `GET /backups/:id/log` and kept up to date by `job:log` pushes. */
export interface JobLog {
  status: LoadStatus;
  /** Oldest first, by `seq`. */
  entries: JobLogEntry[];
  /** Entries ever written (the hub's `total_count`, raised by pushes). */
  total_count: number;
  /** Entries the hub dropped by its bound. */
  dropped_count: number;
  error?: string;
}

/** Pages of a log read at most on one load (500 entries each: more than the hub keeps of a running job). */
const MAX_LOG_PAGES = 4;

/** `entries` and `more` merged by `seq`, oldest first, each entry once. */
export function mergeLogEntries(entries: readonly JobLogEntry[], more: readonly JobLogEntry[]): JobLogEntry[] {
  const bySeq = new Map<number, JobLogEntry>();
  for (const e of [...entries, ...more]) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export interface TelemetryListener {
  /** A live point was appended to a loaded chart. */
  onPoint?(jobId: string, point: ChartPoint): void;
  /** A chart was replaced (loaded, or rolled up when its job ended). */
  onChart?(jobId: string, chart: JobChart): void;
  /** A fleet push (`machine:update`, `machine:at_risk`, `machine:protected`) arrived; see `watchFleet`. */
  onMachine?(event: string, payload: MachineUpdateEvent | MachineProtectionEvent): void;
}

export type TelemetryHost = ReactiveControllerHost & HTMLElement;

/** Resolves `socket-url` to the telemetry namespace: `http://hub:3000` → `http://hub:3000/telemetry`. */
export function namespaceUrl(socketUrl: string): string {
  const trimmed = socketUrl.replace(/\/+$/, '');
  return trimmed.endsWith(TELEMETRY_NAMESPACE) ? trimmed : trimmed + TELEMETRY_NAMESPACE;
}

const subscriptionKey = (req: SubscribeRequest) => ('job_id' in req ? `job:${req.job_id}` : 'vm_name' in req ? `vm:${req.vm_name}` : 'fleet');

/**
 * Data for the elements: REST loads from the hub's API, and live pushes from its Socket.IO namespace.
 * State lives here and the host re-renders on every change. Subscriptions are dropped when the host
 * leaves the page and renewed when it returns (and after a socket reconnect).
 */
export class TelemetryController implements ReactiveController {
  apiBase = '/api/v1';
  /** Hub URL to open a socket to; ignored when `socket` is set. */
  socketUrl: string | null = null;
  /** An existing socket.io-client Socket connected to the `/telemetry` namespace. */
  socket: Socket | null = null;
  /** Merged into every REST request: e.g. `{ headers: { authorization: 'Bearer …' }, credentials: 'include' }`. */
  requestInit: RequestInit | null = null;

  machine: Machine | null = null;
  backups: BackupJob[] = [];
  stats: BackupStats | null = null;
  /** The VM's flagged recent jobs and early warnings (`GET /machines/:vm_name/insight`); null if the hub has none. */
  insight: MachineInsight | null = null;
  /** A single job (loaded with `loadJob`). */
  job: BackupJob | null = null;
  status: LoadStatus = 'idle';
  error: string | null = null;
  /** The REST cursor (`next_before`) for the backups older than those loaded; null when there are none. */
  nextBefore: string | null = null;
  /** True while `loadOlder` fetches a page. */
  loadingOlder = false;
  /** Why the last `loadOlder` failed (the hub's message). */
  olderError: string | null = null;
  readonly charts = new Map<string, JobChart>();
  /** `job:stale` messages by job id. */
  readonly staleMessages = new Map<string, string>();
  /** Session logs by job id (`loadLog`, then `job:log` pushes of watched jobs). */
  readonly logs = new Map<string, JobLog>();

  private abort = new AbortController();
  private readonly logLoads = new Set<string>();
  private readonly wanted = new Map<string, SubscribeRequest>();
  private live: Socket | null = null;
  private ownsSocket = false;
  private vmFilter: { vm_name: string; repository_id?: string } | null = null;
  private pageSize = 100;
  private readonly handlers: [string, (payload: never) => void][] = [
    [SERVER_EVENTS.update, (p: JobUpdateEvent) => this.receive(SERVER_EVENTS.update, p)],
    [SERVER_EVENTS.completed, (p: JobEndedEvent) => this.receive(SERVER_EVENTS.completed, p)],
    [SERVER_EVENTS.failed, (p: JobEndedEvent) => this.receive(SERVER_EVENTS.failed, p)],
    [SERVER_EVENTS.cancelled, (p: JobEndedEvent) => this.receive(SERVER_EVENTS.cancelled, p)],
    [SERVER_EVENTS.stale, (p: JobStaleEvent) => this.receive(SERVER_EVENTS.stale, p)],
    [SERVER_EVENTS.log, (p: JobLogEvent) => this.receiveLog(p)],
    [SERVER_EVENTS.machineUpdate, (p: MachineUpdateEvent) => this.listener.onMachine?.(SERVER_EVENTS.machineUpdate, p)],
    [SERVER_EVENTS.machineAtRisk, (p: MachineProtectionEvent) => this.listener.onMachine?.(SERVER_EVENTS.machineAtRisk, p)],
    [SERVER_EVENTS.machineProtected, (p: MachineProtectionEvent) => this.listener.onMachine?.(SERVER_EVENTS.machineProtected, p)],
    ['connect', () => this.resubscribe()],
  ];

  constructor(
    private readonly host: TelemetryHost,
    private readonly listener: TelemetryListener = {},
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    if (this.abort.signal.aborted) this.abort = new AbortController();
    if (this.wanted.size > 0) this.attachSocket();
  }

  hostDisconnected(): void {
    this.abort.abort();
    this.detachSocket();
  }

  /** True while a socket is attached (for tests and hosts that show a "live" badge). */
  get isLive(): boolean {
    return this.live?.connected ?? false;
  }

  // ---- REST ----------------------------------------------------------------------------------

  /** GET `apiBase + path` with `requestInit`; rejects with the hub's error message (and `status`). Aborted on removal. */
  async getJson<T>(path: string): Promise<T> {
    const init = this.requestInit ?? {};
    const res = await fetch(this.apiBase.replace(/\/+$/, '') + path, {
      ...init,
      headers: { accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
      signal: this.abort.signal,
    });
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      throw Object.assign(new Error(body?.error?.message ?? `The hub answered HTTP ${res.status}`), { status: res.status });
    }
    return (await res.json()) as T;
  }

  private query(params: Record<string, string | number | undefined | null>): string {
    return queryString(params);
  }

  /** True once the host left the page (pending requests were aborted). */
  get aborted(): boolean {
    return this.abort.signal.aborted;
  }

  /** Loads a VM's machine facts, its newest `limit` backups (newest first) and stats. */
  async loadVm(vmName: string, repositoryId?: string | null, limit = 100): Promise<void> {
    this.vmFilter = { vm_name: vmName, repository_id: repositoryId ?? undefined };
    this.pageSize = limit;
    this.status = 'loading';
    this.error = null;
    this.nextBefore = null;
    this.loadingOlder = false;
    this.olderError = null;
    this.host.requestUpdate();
    const filter = this.query({ vm_name: vmName, repository_id: repositoryId });
    try {
      const [machine, list, stats, insight] = await Promise.all([
        this.getJson<Machine>(`/machines/${encodeURIComponent(vmName)}`).catch((e: { status?: number }) => {
          if (e.status === 404) return null; // a VM whose client never sent machine facts
          throw e;
        }),
        this.getJson<BackupListResponse>(`/backups${this.query({ vm_name: vmName, repository_id: repositoryId, limit })}`),
        this.getJson<BackupStats>(`/backups/stats${filter}`),
        this.fetchInsight(vmName),
      ]);
      this.insight = insight;
      this.machine = machine;
      this.backups = list.backups;
      this.nextBefore = list.next_before ?? null;
      this.stats = stats;
      this.status = 'ready';
    } catch (e) {
      if (this.abort.signal.aborted) {
        this.status = 'idle'; // removed mid-load: load again when put back
        return;
      }
      this.status = 'error';
      this.error = (e as Error).message;
    }
    this.host.requestUpdate();
  }

  /** Appends the next page of older backups (`before` = the last page's `next_before`). */
  async loadOlder(): Promise<void> {
    const filter = this.vmFilter;
    const before = this.nextBefore;
    if (!filter || !before || this.loadingOlder) return;
    this.loadingOlder = true;
    this.olderError = null;
    this.host.requestUpdate();
    try {
      const page = await this.getJson<BackupListResponse>(`/backups${this.query({ ...filter, limit: this.pageSize, before })}`);
      if (filter !== this.vmFilter) return; // reloaded meanwhile; that load owns the list now
      const known = new Set(this.backups.map((b) => b.backup_id));
      this.backups = [...this.backups, ...page.backups.filter((b) => !known.has(b.backup_id))];
      this.nextBefore = page.next_before ?? null;
    } catch (e) {
      if (filter === this.vmFilter && !this.abort.signal.aborted) this.olderError = (e as Error).message;
    } finally {
      if (filter === this.vmFilter) this.loadingOlder = false;
      this.host.requestUpdate();
    }
  }

  /** The VM's insight, or null when it cannot be had (a hub without the endpoint): the page works without it. */
  private fetchInsight(vmName: string): Promise<MachineInsight | null> {
    return this.getJson<MachineInsight>(`/machines/${encodeURIComponent(vmName)}/insight`).catch(() => null);
  }

  private async refreshStats(): Promise<void> {
    if (!this.vmFilter) return;
    try {
      this.insight = await this.fetchInsight(this.vmFilter.vm_name);
      this.stats = await this.getJson<BackupStats>(`/backups/stats${this.query(this.vmFilter)}`);
      this.host.requestUpdate();
    } catch {
      /* keep the previous stats; the next end event retries */
    }
  }

  /** Loads one job (for `<bt-job-progress job-id>`). */
  async loadJob(jobId: string): Promise<void> {
    this.status = 'loading';
    this.host.requestUpdate();
    try {
      this.job = await this.getJson<BackupJob>(`/backups/${encodeURIComponent(jobId)}`);
      this.status = 'ready';
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.status = 'error';
      this.error = (e as Error).message;
    }
    this.host.requestUpdate();
  }

  /** Loads a job's chart from `/telemetry/history/:id` unless it is loaded or loading. */
  async loadChart(jobId: string): Promise<void> {
    const existing = this.charts.get(jobId);
    if (existing && existing.status !== 'error') return;
    this.setChart(jobId, { status: 'loading', source: 'none', points: [], phases: null, metrics: null });
    try {
      const history = await this.getJson<HistoryResponse>(`/telemetry/history/${encodeURIComponent(jobId)}`);
      const pushed = this.charts.get(jobId)?.points ?? [];
      if (history.data_source === 'rolled_up') {
        this.setChart(jobId, fromMetrics(history.performance_metrics));
      } else if (history.data_source === 'live_snapshots') {
        this.setChart(jobId, { status: 'ready', source: 'live_snapshots', points: mergePoints(history.chart_data, pushed), phases: null, metrics: null });
      } else {
        this.setChart(jobId, { status: 'ready', source: pushed.length ? 'live_snapshots' : 'none', points: pushed, phases: null, metrics: null });
      }
    } catch (e) {
      if (this.abort.signal.aborted) {
        this.charts.delete(jobId);
        return;
      }
      this.setChart(jobId, { status: 'error', source: 'none', points: [], phases: null, metrics: null, error: (e as Error).message });
    }
  }

  /**
   * Loads a job's session log (every page the hub keeps, up to 2,000 entries) unless it is loaded or
   * loading. Entries pushed meanwhile (`job:log`) are kept and merged by `seq`.
   */
  async loadLog(jobId: string): Promise<void> {
    const existing = this.logs.get(jobId);
    if (existing?.status === 'ready' || this.logLoads.has(jobId)) return;
    this.logLoads.add(jobId);
    this.logs.set(jobId, { status: 'loading', entries: existing?.entries ?? [], total_count: 0, dropped_count: 0 });
    this.host.requestUpdate();
    try {
      let page: JobLogResponse | null = null;
      let entries: JobLogEntry[] = [];
      for (let after = 0, n = 0; n < MAX_LOG_PAGES; n++) {
        page = await this.getJson<JobLogResponse>(`/backups/${encodeURIComponent(jobId)}/log${this.query({ after, limit: 500 })}`);
        entries = [...entries, ...page.entries];
        if (page.next_after === null) break;
        after = page.next_after;
      }
      const pushed = this.logs.get(jobId)?.entries ?? [];
      const merged = mergeLogEntries(entries, pushed);
      const newest = merged[merged.length - 1]?.seq ?? 0;
      this.logs.set(jobId, { status: 'ready', entries: merged, total_count: Math.max(page?.total_count ?? 0, newest), dropped_count: page?.dropped_count ?? 0 });
    } catch (e) {
      if (this.abort.signal.aborted) {
        this.logs.delete(jobId);
        return;
      }
      this.logs.set(jobId, { status: 'error', entries: [], total_count: 0, dropped_count: 0, error: (e as Error).message });
    } finally {
      this.logLoads.delete(jobId);
    }
    this.host.requestUpdate();
  }

  /** Applies a `job:log` push: its entries join the job's log (once each, in `seq` order). */
  receiveLog(payload: JobLogEvent): void {
    if (!payload?.job_id || !Array.isArray(payload.entries)) return;
    const log = this.logs.get(payload.job_id) ?? { status: 'loading' as LoadStatus, entries: [], total_count: 0, dropped_count: 0 };
    const entries = mergeLogEntries(log.entries, payload.entries);
    this.logs.set(payload.job_id, { ...log, entries, total_count: Math.max(log.total_count, entries[entries.length - 1]?.seq ?? 0) });
    this.host.requestUpdate();
  }

  /** Sets a job's chart directly (from data a host already has, e.g. `performance_metrics`). */
  setChart(jobId: string, chart: JobChart): void {
    this.charts.set(jobId, chart);
    if (chart.status === 'ready') this.listener.onChart?.(jobId, chart);
    this.host.requestUpdate();
  }

  // ---- Socket --------------------------------------------------------------------------------

  /** Receives pushes for every job of a VM. No-op without `socket` or `socketUrl`. */
  watchVm(vmName: string): void {
    this.want({ vm_name: vmName });
  }

  /** Receives a job's pushes; the subscribe ack's chart data seeds its chart. */
  watchJob(jobId: string): void {
    this.want({ job_id: jobId });
  }

  /** Receives the fleet's compact pushes (`machine:update`, `machine:at_risk`, `machine:protected`) through `onMachine`. */
  watchFleet(): void {
    this.want({ fleet: true });
  }

  unwatch(req: SubscribeRequest): void {
    const key = subscriptionKey(req);
    if (!this.wanted.delete(key)) return;
    if (this.live?.connected) this.live.emit(CLIENT_EVENTS.unsubscribe, req);
  }

  /** Forgets every subscription (call before watching something else). */
  unwatchAll(): void {
    for (const req of [...this.wanted.values()]) this.unwatch(req);
  }

  private want(req: SubscribeRequest): void {
    const key = subscriptionKey(req);
    if (this.wanted.has(key)) return;
    this.wanted.set(key, req);
    if (!this.host.isConnected) return;
    if (!this.live) this.attachSocket();
    else if (this.live.connected) this.subscribe(req);
  }

  private attachSocket(): void {
    if (this.live) return;
    if (this.socket) {
      this.live = this.socket;
      this.ownsSocket = false;
    } else if (this.socketUrl) {
      this.live = io(namespaceUrl(this.socketUrl), { transports: ['websocket', 'polling'] });
      this.ownsSocket = true;
    } else {
      return;
    }
    for (const [event, handler] of this.handlers) this.live.on(event, handler as (...args: unknown[]) => void);
    if (this.live.connected) this.resubscribe();
  }

  private detachSocket(): void {
    const socket = this.live;
    if (!socket) return;
    if (socket.connected) for (const req of this.wanted.values()) socket.emit(CLIENT_EVENTS.unsubscribe, req);
    for (const [event, handler] of this.handlers) socket.off(event, handler as (...args: unknown[]) => void);
    if (this.ownsSocket) socket.disconnect();
    this.live = null;
  }

  private resubscribe(): void {
    for (const req of this.wanted.values()) this.subscribe(req);
  }

  private subscribe(req: SubscribeRequest): void {
    this.live?.emit(CLIENT_EVENTS.subscribe, req, (ack: Ack<SubscribeAck>) => {
      if (!ack?.ok) return;
      if (ack.job) this.upsertJob(ack.job);
      if ('job_id' in req && ack.chart_data) {
        const current = this.charts.get(req.job_id);
        if (current?.source !== 'rolled_up') {
          const points = mergePoints(ack.chart_data, current?.points ?? []);
          this.setChart(req.job_id, { status: 'ready', source: 'live_snapshots', points, phases: null, metrics: null });
        }
      }
      this.host.requestUpdate();
    });
  }

  /**
   * Applies one server push. The socket handlers call it; a host with its own socket layer may call
   * it with the same event names and payloads.
   */
  receive(event: string, payload: JobUpdateEvent | JobEndedEvent | JobStaleEvent): void {
    const { job } = payload;
    if (!job?.backup_id) return;
    if (event === SERVER_EVENTS.update) {
      this.upsertJob(job);
      const point = (payload as JobUpdateEvent).point;
      const chart = this.charts.get(job.backup_id);
      if (point && chart && chart.status === 'ready' && chart.source !== 'rolled_up') {
        const last = chart.points[chart.points.length - 1];
        if (!last || point.t > last.t) {
          chart.points.push(point);
          chart.source = 'live_snapshots';
          this.listener.onPoint?.(job.backup_id, point);
        }
      }
    } else if (event === SERVER_EVENTS.stale) {
      this.upsertJob(job);
      this.staleMessages.set(job.backup_id, (payload as JobStaleEvent).message);
    } else if (event === SERVER_EVENTS.completed || event === SERVER_EVENTS.failed || event === SERVER_EVENTS.cancelled) {
      const metrics = (payload as JobEndedEvent).performance_metrics ?? job.performance_metrics ?? null;
      this.upsertJob({ ...job, performance_metrics: metrics });
      if (metrics && this.charts.has(job.backup_id)) this.setChart(job.backup_id, fromMetrics(metrics));
      void this.refreshStats();
    } else {
      return;
    }
    this.host.requestUpdate();
  }

  private upsertJob(job: BackupJob): void {
    if (this.job?.backup_id === job.backup_id) this.job = { ...this.job, ...job };
    const i = this.backups.findIndex((b) => b.backup_id === job.backup_id);
    if (i >= 0) {
      this.backups = this.backups.map((b, k) => (k === i ? { ...b, ...job } : b));
    } else if (
      this.vmFilter &&
      job.vm_name === this.vmFilter.vm_name &&
      (!this.vmFilter.repository_id || job.repository_id === this.vmFilter.repository_id)
    ) {
      this.backups = [job, ...this.backups];
    }
  }
}

/** `?a=1&b=x` from the set values (undefined, null and '' are left out); '' when none is. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function fromMetrics(metrics: PerformanceMetrics): JobChart {
  return { status: 'ready', source: 'rolled_up', points: [...metrics.chart_data], phases: metrics.phases, metrics };
}

/** `base` followed by the points of `extra` that come after it. */
function mergePoints(base: readonly ChartPoint[], extra: readonly ChartPoint[]): ChartPoint[] {
  const lastT = base.length ? base[base.length - 1].t : -Infinity;
  return [...base, ...extra.filter((p) => p.t > lastT)];
}
