import type { Response, Router } from 'express';
import { fleetReportData, machineReportData, parseDays, periodOf } from '../reports/data.js';
import { writeFleetReport } from '../reports/fleet-report.js';
import { loadReportFonts, type ReportFonts } from '../reports/fonts.js';
import type { ReportWriter } from '../reports/layout.js';
import { writeMachineReport } from '../reports/machine-report.js';
import { attachmentHeader } from '../reports/text.js';
import type { RouteContext } from './context.js';

/** Streams the document: the data and charts are ready before the first byte, so a failure before it is still a JSON error. */
function send(res: Response, writer: ReportWriter, filename: string): void {
  res.setHeader('Content-Type', 'application/pdf');
  res.setHeader('Content-Disposition', attachmentHeader(filename));
  res.setHeader('Cache-Control', 'no-store');
  writer.doc.pipe(res);
  writer.end();
}

/** `/reports`: PDF reports of one VM and of the fleet, over the last `days` days. */
export function reportRoutes(router: Router, { store, access, now, defaultPolicy }: RouteContext): void {
  let fonts: ReportFonts | undefined;
  const reportFonts = () => (fonts ??= loadReportFonts());
  router.get('/reports/fleet.pdf', async (req, res) => {
    await access.checkViewer(req, { fleet: true });
    const period = periodOf(now(), parseDays(req.query));
    const writer = await writeFleetReport(reportFonts(), await fleetReportData(store, period, defaultPolicy), period.to_ms);
    send(res, writer, 'fleet');
  });
  router.get('/reports/machines/:vm_name.pdf', async (req, res) => {
    const vmName = req.params.vm_name;
    await access.checkViewer(req, { vm_name: vmName });
    const period = periodOf(now(), parseDays(req.query));
    const writer = await writeMachineReport(reportFonts(), await machineReportData(store, vmName, period, defaultPolicy), period.to_ms);
    send(res, writer, vmName);
  });
}
