import type { BackupJob, BackupListResponse, BackupStats, ChartPoint, Machine, PerformanceMetrics } from '@backup-telemetry/contract';

let seq = 0;
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** A local time as ISO, so formatted dates are predictable in any time zone. */
export const at = (month: number, day: number, hour: number, minute: number) => new Date(2024, month - 1, day, hour, minute).toISOString();

export function job(overrides: Partial<BackupJob> = {}): BackupJob {
  seq += 1;
  const started = overrides.started_at === undefined ? at(10, 10, 14, 28) : overrides.started_at;
  return {
    backup_id: `job-${seq}`,
    job_type: 'backup',
    type: 'incremental',
    vm_name: 'web-01',
    vm_context_id: null,
    repository_id: 'repo-a',
    repository_path: null,
    status: 'completed',
    bytes_transferred: 12 * GIB,
    total_bytes: 12 * GIB,
    current_phase: null,
    progress_percent: 100,
    transfer_speed_bps: 0,
    eta_seconds: null,
    duration_seconds: 600,
    error_message: null,
    warnings_count: 0,
    created_at: started ?? at(10, 10, 14, 27),
    started_at: started,
    completed_at: null,
    last_telemetry_at: null,
    details: null,
    anomalies: [],
    disks: [],
    ...overrides,
  };
}

/** `n` points as the hub sends them (`s` in bytes/s, `speed` in MiB/s), one every `step` seconds, walking through `phases` in equal stretches. */
export function points(n: number, { step = 2, phases = ['snapshot', 'transfer', 'finalize'], speed = 100 } = {}): ChartPoint[] {
  const out: ChartPoint[] = [];
  for (let i = 0; i < n; i++) {
    const phase = phases[Math.min(phases.length - 1, Math.floor((i / n) * phases.length))];
    out.push({ t: i * step, s: (speed + (i % 7)) * MIB, p: Math.round(((i + 1) / n) * 1000) / 10, phase });
  }
  return out;
}

export function metrics(chart: ChartPoint[], overrides: Partial<PerformanceMetrics> = {}): PerformanceMetrics {
  const speeds = chart.map((p) => p.s / MIB);
  const peak = Math.max(...speeds);
  const avg = speeds.reduce((a, b) => a + b, 0) / speeds.length;
  const phaseStarts = chart.filter((p, i) => p.phase !== chart[i - 1]?.phase);
  return {
    duration_seconds: chart[chart.length - 1].t,
    transfer_seconds: chart[chart.length - 1].t,
    snapshots_recorded: chart.length,
    peak_speed_bps: peak * MIB,
    avg_speed_bps: avg * MIB,
    min_speed_bps: Math.min(...speeds) * MIB,
    peak_speed_mbps: peak,
    avg_speed_mbps: Math.round(avg * 100) / 100,
    bytes_transferred: 12 * GIB,
    chart_data: chart,
    phases: phaseStarts.map((p, i) => ({ phase: p.phase!, start_t: p.t, end_t: phaseStarts[i + 1]?.t ?? chart[chart.length - 1].t })),
    ...overrides,
  };
}

export function machine(overrides: Partial<Machine> = {}): Machine {
  return {
    vm_name: 'web-01',
    cpu_count: 8,
    memory_bytes: 32 * GIB,
    os: 'Ubuntu 22.04',
    disks: [{ disk_index: 0, name: 'sda', size_bytes: 100 * GIB }, { disk_index: 1, name: 'sdb', size_bytes: 500 * GIB }],
    updated_at: at(10, 10, 14, 0),
    last_job: null,
    protection: {
      status: 'protected', rpo_hours: 24, grace_minutes: 60, last_success_at: at(10, 10, 2, 0), consecutive_failures: 0,
      reason: 'Last successful backup 12 h ago (RPO 24 h)', next_expected_at: null, schedule: null,
    },
    ...overrides,
  };
}

export function statsFor(backups: BackupJob[]): BackupStats {
  const by = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const b of backups) by[b.status] += 1;
  const ended = by.completed + by.failed + by.cancelled;
  return {
    vm_name: backups[0]?.vm_name ?? null,
    repository_id: null,
    total: backups.length,
    by_status: by,
    completed_with_warnings: backups.filter((b) => b.status === 'completed' && b.warnings_count > 0).length,
    success_rate_percent: ended ? (by.completed / ended) * 100 : null,
    avg_size_bytes: 10 * GIB,
    avg_duration_seconds: 540,
    last_backup_at: backups[0]?.created_at ?? null,
  };
}

/** A VM with a completed incremental, a failed full and an older completed full, newest first. */
export function vmHistory() {
  const recent = job({ type: 'incremental', started_at: at(10, 10, 14, 28), performance_metrics: metrics(points(60, { speed: 180 })) });
  const failed = job({ type: 'full', status: 'failed', started_at: at(10, 9, 2, 0), error_message: 'Repository unreachable: ECONNRESET', progress_percent: 40, bytes_transferred: 4 * GIB });
  const older = job({ type: 'full', started_at: at(10, 8, 2, 0), duration_seconds: 1800, performance_metrics: metrics(points(30, { speed: 90, phases: ['snapshot', 'transfer'] })) });
  const backups = [recent, failed, older];
  return { backups, machine: machine(), stats: statsFor(backups), recent, failed, older };
}

/** `n` completed backups of one VM, a night apart, newest first. */
export function nights(n: number, overrides: Partial<BackupJob> = {}): BackupJob[] {
  return Array.from({ length: n }, (_, i) => job({ started_at: at(10, 28 - i, 2, 0), ...overrides }));
}

/**
 * A `/backups` route serving `pages` the way the hub does: the first without `before`, each next one
 * for the `next_before` cursor (`created_at~id` of the previous page's last job); null after the last.
 */
export function pagedBackups(pages: BackupJob[][]) {
  const cursorAfter = (page: BackupJob[]) => `${page[page.length - 1].created_at}~${page[page.length - 1].backup_id}`;
  return (url: URL): BackupListResponse => {
    const before = url.searchParams.get('before');
    const i = before === null ? 0 : pages.findIndex((page) => cursorAfter(page) === before) + 1;
    if (before !== null && i === 0) throw new Error(`unknown cursor ${before}`);
    return { backups: pages[i], next_before: i + 1 < pages.length ? cursorAfter(pages[i]) : null };
  };
}

type Route = (url: URL) => unknown;

/** Replaces window.fetch with a router of JSON answers; returns the requested URLs and a restore(). */
export function stubFetch(routes: Record<string, Route | unknown>) {
  const original = window.fetch;
  const requests: string[] = [];
  const headers: Record<string, string>[] = [];
  window.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), location.href);
    requests.push(url.pathname + url.search);
    headers.push({ ...(init?.headers as Record<string, string> | undefined) });
    for (const [prefix, answer] of Object.entries(routes)) {
      if (url.pathname === prefix || url.pathname.startsWith(prefix + '?')) {
        const body = typeof answer === 'function' ? (answer as Route)(url) : answer;
        if (body instanceof Response) return body;
        return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
      }
    }
    return new Response(JSON.stringify({ error: { status: 404, code: 'job_not_found', message: `no route ${url.pathname}` } }), { status: 404 });
  }) as typeof fetch;
  return { requests, headers, restore: () => (window.fetch = original) };
}
