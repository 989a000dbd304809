import express, { Router } from 'express';
import { backupsRouter } from './backups.js';
import type { RouteContext } from './context.js';
import { errorMiddleware } from './errors.js';
import { machinesRouter } from './machines.js';
import { telemetryRouter } from './telemetry.js';

/** The plugin's Express router; it does not care where the host mounts it. */
export function createRouter(context: RouteContext): Router {
  const router = Router();
  router.use(express.json({ limit: context.bodyLimitBytes, strict: true }));
  router.use(backupsRouter(context));
  router.use(machinesRouter(context));
  router.use(telemetryRouter(context));
  router.use(errorMiddleware(context.logger, context.metrics));
  return router;
}
