import express, { Router } from 'express';
import { backupRoutes } from './backups.js';
import type { RouteContext } from './context.js';
import { errorMiddleware } from './errors.js';
import { fleetRoutes } from './fleet.js';
import { machineRoutes } from './machines.js';
import { policyRoutes } from './policies.js';
import { reportRoutes } from './reports.js';
import { notificationRoutes } from './notifications.js';
import { telemetryRoutes } from './telemetry.js';

/** The plugin's Express router; it does not care where the host mounts it. */
export function createRouter(context: RouteContext): Router {
  const router = Router();
  router.use(express.json({ limit: context.bodyLimitBytes, strict: true }));
  router.use((req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') context.readLimiter.hit(req.ip);
    next();
  });
  // Routes sit on this one router (no nested routers): every request walks one short stack.
  telemetryRoutes(router, context);
  backupRoutes(router, context);
  machineRoutes(router, context);
  policyRoutes(router, context);
  fleetRoutes(router, context);
  notificationRoutes(router, context);
  reportRoutes(router, context);
  router.use(errorMiddleware(context.logger, context.metrics));
  return router;
}
