/**
 * What the example hub's living demo takes from the simulator (`@backup-telemetry/example-simulator/demo`):
 * the one fleet generator, the writer that fills a database with it, and the live job runner.
 */
export { planFleet, expectedStatus, roleCounts, type FleetPlan, type FleetRole, type FleetVm } from './fleet-plan.js';
export { fillFleet, type FillResult } from './fleet-fill.js';
export { runJob, type JobResult, type RunOptions } from './run.js';
export { planJob, seededRng, FAILURE_MESSAGES, type JobPlan, type Outcome, type Rng } from './scenarios.js';
