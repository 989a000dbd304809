export { BtMachineDetails, type MachineDetailsTab } from './machine-details/machine-details.js';
export { BtSpeedChart } from './speed-chart/speed-chart.js';
export { BtSuccessDonut } from './success-donut/success-donut.js';
export { BtBackupHistory, type JobSelectDetail } from './backup-history/backup-history.js';
export { BtJobProgress } from './job-progress/job-progress.js';
export { BtBackupTrends } from './backup-trends/backup-trends.js';
export { BtFleetOverview, SEARCH_DEBOUNCE_MS, SUMMARY_REFRESH_MS, type FleetQueryDetail, type MachineSelectDetail } from './fleet-overview/fleet-overview.js';
export { TelemetryController, queryString, type JobChart, type LoadStatus, type TelemetryListener } from './shared/telemetry-controller.js';
export { phasesFromPoints, pointsToCsv, summarizePoints } from './shared/chart-data.js';
