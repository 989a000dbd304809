import type { Router } from 'express';
import { fleetSummary } from '../queries/fleet.js';
import { fleetCalendar } from '../queries/fleet-calendar.js';
import type { RouteContext } from './context.js';

/** `/fleet`: the fleet at a glance (the overview's counters) and its calendar (a page of VMs by day). */
export function fleetRoutes(router: Router, { store, access, now, defaultPolicy }: RouteContext): void {
  router.get('/fleet/summary', async (req, res) => {
    await access.checkViewer(req, { fleet: true });
    res.json(await fleetSummary(store, now(), defaultPolicy));
  });
  router.get('/fleet/calendar', async (req, res) => {
    await access.checkViewer(req, { fleet: true });
    res.json(await fleetCalendar(store, req.query, now(), defaultPolicy));
  });
}
