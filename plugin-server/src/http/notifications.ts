import { DELIVERY_STATUSES, invalid, TelemetryError, validateEndpointRequest, type DeliveryStatus } from '@backup-telemetry/contract';
import type { Request, Router } from 'express';
import { endpointView } from '../notify/endpoints.js';
import type { RouteContext } from './context.js';
import { queryText } from './context.js';
import { requireJson } from './errors.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

function deliveryFilter(req: Request): { status?: DeliveryStatus; endpoint_id?: string; limit: number } {
  for (const key of Object.keys(req.query)) {
    if (!['status', 'limit', 'endpoint_id'].includes(key)) throw invalid(key, 'is not a filter of /notifications/deliveries (status, endpoint_id, limit)');
    if (typeof req.query[key] !== 'string') throw invalid(key, 'must be given once');
  }
  const status = queryText(req, 'status');
  if (status !== undefined && !DELIVERY_STATUSES.includes(status as DeliveryStatus)) throw invalid('status', `must be one of ${DELIVERY_STATUSES.join(', ')}`);
  const rawLimit = queryText(req, 'limit');
  const limit = rawLimit === undefined ? DEFAULT_LIMIT : Number(rawLimit);
  if (!/^\d+$/.test(rawLimit ?? '1') || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw invalid('limit', `must be a whole number from 1 to ${MAX_LIMIT}`);
  return { status: status as DeliveryStatus | undefined, endpoint_id: queryText(req, 'endpoint_id'), limit };
}

/** `/notifications`: webhook endpoints, a test send, and the delivery report. Admin only (`authorizeAdmin`, `{action: 'notifications'}`). */
export function notificationRoutes(router: Router, { store, access, notify, now }: RouteContext): void {
  const admin = (req: Request) => access.checkAdmin(req, { action: 'notifications' });
  router.post('/notifications/endpoints', requireJson, async (req, res) => {
    await admin(req);
    const request = validateEndpointRequest(req.body);
    const { row, generatedSecret } = await notify.endpoints.create(store.knex, request, now());
    await notify.cache.refresh();
    // The secret is shown once, and only when the hub made it: the caller already knows its own.
    res.status(201).json({ ...endpointView(row), ...(generatedSecret ? { secret: generatedSecret } : {}) });
  });
  router.get('/notifications/endpoints', async (req, res) => {
    await admin(req);
    res.json({ endpoints: (await notify.endpoints.all(store.knex)).map(endpointView) });
  });
  router.delete('/notifications/endpoints/:id', async (req, res) => {
    await admin(req);
    if (!(await notify.endpoints.remove(store.knex, req.params.id))) {
      throw new TelemetryError('endpoint_not_found', `no notification endpoint with id ${req.params.id.slice(0, 80)}`, { field: 'id' });
    }
    await notify.cache.refresh();
    res.status(204).end();
  });
  router.post('/notifications/endpoints/:id/test', async (req, res) => {
    await admin(req);
    const eventId = await notify.sendTest(req.params.id);
    res.status(202).json({ event_id: eventId });
  });
  router.get('/notifications/deliveries', async (req, res) => {
    await admin(req);
    res.json({ deliveries: await notify.deliveries.list(store.knex, deliveryFilter(req)) });
  });
}
