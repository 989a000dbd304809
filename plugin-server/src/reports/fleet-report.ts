import { PROTECTION_STATUSES, type Machine } from '@backup-telemetry/contract';
import { PROTECTION_COLORS, dailyOutcomesOption, donutOption, renderChart } from './charts.js';
import type { FleetReportData } from './data.js';
import { REPORT_LIMITS } from './data.js';
import type { ReportFonts } from './fonts.js';
import { bytes, count, dateTime, percent } from './format.js';
import { ReportWriter, type Column } from './layout.js';
import { rangeText } from './machine-report.js';

const MACHINE_COLUMNS: readonly Column[] = [
  { header: 'VM', width_pt: 130, max_lines: 2 },
  { header: 'Protection', width_pt: 58 },
  { header: 'Last success', width_pt: 92 },
  { header: 'Reason', width_pt: 235, max_lines: 3 },
];

const label = (status: string) => status.replace('_', ' ');
const machineRow = (m: Machine) => [m.vm_name, label(m.protection.status), dateTime(m.protection.last_success_at), m.protection.reason];

/** The fleet's report: counters, VMs by protection status, jobs per day, then every VM most urgent first. */
export async function writeFleetReport(fonts: ReportFonts, data: FleetReportData, generatedAtMs: number): Promise<ReportWriter> {
  const { summary, daily, machines } = data;
  const by = summary.machines.by_protection;
  const ended = daily.reduce((n, d) => n + d.completed + d.failed + d.cancelled, 0);
  const completed = daily.reduce((n, d) => n + d.completed, 0);
  const charts = await Promise.all([
    renderChart(donutOption('VMs by protection', PROTECTION_STATUSES.map((s) => ({ name: label(s), value: by[s], color: PROTECTION_COLORS[s] }))), 190, 150),
    renderChart(dailyOutcomesOption(daily, data.period.from_ms, data.period.to_ms), 310, 150),
  ]);
  const w = new ReportWriter(fonts, generatedAtMs, 'Backup report: Fleet');
  w.title('Backup report: Fleet', rangeText(data.period));
  w.heading('Summary');
  w.kpis([
    ['VMs', count(summary.machines.total)],
    ['At risk', count(by.at_risk)],
    ['Warning', count(by.warning)],
    ['Success rate (ended jobs)', ended > 0 ? percent((completed / ended) * 100) : '—'],
    ['Jobs ended in the period', count(ended)],
    ['Bytes protected (newest successes)', bytes(summary.bytes_protected)],
  ]);
  w.charts(charts);

  const atRisk = machines.filter((m) => m.protection.status === 'at_risk');
  w.heading(`At-risk VMs (${count(by.at_risk)})`);
  if (atRisk.length === 0) w.paragraph('No VM is at risk.');
  else w.table(MACHINE_COLUMNS, atRisk.map(machineRow));

  w.heading(`All VMs, most urgent first (${count(data.machines_total)})`);
  w.table(MACHINE_COLUMNS, machines.map(machineRow));
  const hidden = data.machines_total - machines.length;
  if (hidden > 0) w.paragraph(`… ${count(hidden)} more VMs not shown (the report lists the ${count(REPORT_LIMITS.fleetMachines)} most urgent).`);
  return w;
}
