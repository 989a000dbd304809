import type { BackupJob } from '@backup-telemetry/contract';
import { COLORS, donutOption, renderChart, trendOption, type ChartSvg } from './charts.js';
import type { MachineReportData } from './data.js';
import { REPORT_LIMITS } from './data.js';
import type { ReportFonts } from './fonts.js';
import { bytes, count, dateTime, day, duration, percent, speed } from './format.js';
import { ReportWriter, type Column } from './layout.js';

const STATUSES = ['completed', 'failed', 'cancelled', 'running', 'pending'] as const;
/** Failures listed with their message (up to 600 characters each), newest first; the table has them all. */
const FAILURES_LISTED = 25;

export const HISTORY_COLUMNS: readonly Column[] = [
  { header: 'Date', width_pt: 80 },
  { header: 'Type', width_pt: 58 },
  { header: 'Status', width_pt: 55 },
  { header: 'Size', width_pt: 55, align: 'right' },
  { header: 'Duration', width_pt: 52, align: 'right' },
  { header: 'Speed', width_pt: 60, align: 'right' },
  { header: 'Error', width_pt: 155, max_lines: 3 },
];

export function rangeText({ from_ms, to_ms, days }: MachineReportData['period']): string {
  return `${day(from_ms)} to ${day(to_ms)} (UTC, last ${days} day${days === 1 ? '' : 's'})`;
}

/** Average bytes per second over the job's duration (what the table's Speed column shows). */
const averageBps = (job: BackupJob) => (job.duration_seconds > 0 && job.bytes_transferred > 0 ? job.bytes_transferred / job.duration_seconds : null);

export function historyRow(job: BackupJob): string[] {
  const type = job.job_type === 'backup' ? job.type : `${job.job_type} (${job.type})`;
  return [dateTime(job.started_at ?? job.created_at), type, job.status, bytes(job.bytes_transferred), duration(job.duration_seconds), speed(averageBps(job)), job.error_message ?? ''];
}

async function machineCharts(data: MachineReportData): Promise<ChartSvg[]> {
  const donut = donutOption('Jobs by outcome', STATUSES.map((s) => ({ name: s, value: data.counts.by_status[s] ?? 0, color: COLORS[s] })));
  const trend = data.jobs.filter((j) => j.status === 'completed').reverse()
    .map((j) => ({ at_ms: Date.parse(j.started_at ?? j.created_at), bytes: j.bytes_transferred, duration_seconds: j.duration_seconds }));
  return Promise.all([renderChart(donut, 170, 150), renderChart(trendOption(trend, data.period.from_ms, data.period.to_ms), 330, 150)]);
}

/** A VM's report over its period, written to a new document (the caller pipes `writer.doc` and it ends itself). */
export async function writeMachineReport(fonts: ReportFonts, data: MachineReportData, generatedAtMs: number): Promise<ReportWriter> {
  const { machine, counts, jobs } = data;
  const title = `Backup report: ${machine.vm_name}`;
  const charts = await machineCharts(data);
  const w = new ReportWriter(fonts, generatedAtMs, title);
  w.title(title, rangeText(data.period));

  const completed = counts.by_status.completed ?? 0;
  const ended = completed + (counts.by_status.failed ?? 0) + (counts.by_status.cancelled ?? 0);
  w.heading('Summary');
  w.kpis([
    ['Success rate (ended jobs)', ended > 0 ? percent((completed / ended) * 100) : '—'],
    ['Jobs in the period', `${count(counts.total)} (${count(completed)} completed, ${count(counts.by_status.failed ?? 0)} failed)`],
    ['Last success', dateTime(machine.protection.last_success_at)],
    ['Average size (completed)', completed > 0 ? bytes(Math.round(counts.completed_bytes_sum / completed)) : '—'],
    ['Average duration (completed)', completed > 0 ? duration(counts.completed_duration_ms_sum / completed / 1000) : '—'],
    ['Protection', machine.protection.status.replace('_', ' ')],
  ]);
  w.paragraph(`Protection: ${machine.protection.reason}`);
  w.charts(charts);

  const failures = jobs.filter((j) => j.status === 'failed' || j.status === 'cancelled');
  const failedTotal = (counts.by_status.failed ?? 0) + (counts.by_status.cancelled ?? 0);
  if (failures.length > 0) {
    w.heading(`Failed and cancelled jobs (${count(failedTotal)}${failedTotal > FAILURES_LISTED ? `, newest ${Math.min(FAILURES_LISTED, failures.length)} listed` : ''})`);
    for (const job of failures.slice(0, FAILURES_LISTED)) {
      w.paragraph(`${dateTime(job.started_at ?? job.created_at)} · ${job.status}${job.current_phase ? ` in ${job.current_phase}` : ''}: ${job.error_message ?? 'no message'}`);
    }
  }

  const unusual = jobs.filter((j) => j.anomalies.length > 0);
  if (unusual.length > 0) {
    w.heading(`Unusual jobs for this machine (${count(unusual.length)}${unusual.length > FAILURES_LISTED ? `, newest ${FAILURES_LISTED} listed` : ''})`);
    for (const job of unusual.slice(0, FAILURES_LISTED)) {
      w.paragraph(`${dateTime(job.started_at ?? job.created_at)} · ${job.type}: ${job.anomalies.map((a) => `${a.severity === 'critical' ? 'critical' : 'warning'}: ${a.message}`).join('; ')}`);
    }
  }

  w.heading('History');
  w.table(HISTORY_COLUMNS, jobs.map(historyRow));
  const hidden = counts.total - jobs.length;
  if (hidden > 0) w.paragraph(`… ${count(hidden)} more jobs not shown (the report lists the newest ${count(REPORT_LIMITS.historyRows)}).`);
  if (jobs.length === 0) w.paragraph('No jobs in this period.');
  return w;
}
