export { BtMachineDetails, type MachineDetailsTab } from './machine-details/machine-details.js';
export { BtSpeedChart } from './speed-chart/speed-chart.js';
export { BtSuccessDonut } from './success-donut/success-donut.js';
export { BtBackupHistory, type JobSelectDetail } from './backup-history/backup-history.js';
export { BtJobProgress } from './job-progress/job-progress.js';
export { BtBackupTrends } from './backup-trends/backup-trends.js';
export { TelemetryController, type JobChart, type LoadStatus, type TelemetryListener } from './shared/telemetry-controller.js';
export { phasesFromPoints, pointsToCsv, summarizePoints } from './shared/chart-data.js';
export { BtStageChart } from './stage-chart/stage-chart.js';
