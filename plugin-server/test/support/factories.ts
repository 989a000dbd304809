import type { RegisterJobRequest, TelemetryUpdate } from '@backup-telemetry/contract';
import type supertest from 'supertest';

let counter = 0;

/** A registration body; override any field. */
export function jobRequest(overrides: Partial<RegisterJobRequest> = {}): RegisterJobRequest {
  counter += 1;
  return {
    id: `job-${process.pid}-${counter}`,
    vm_name: 'web-01',
    repository_id: 'repo-a',
    backup_type: 'full',
    disks: [
      { disk_index: 0, total_bytes: 1000 },
      { disk_index: 1, total_bytes: 3000 },
    ],
    machine: { cpu_count: 4, memory_bytes: 8 * 1024 ** 3, os: 'Debian 12' },
    ...overrides,
  };
}

/** Registers a job through the API and returns its id. */
export async function registerJob(http: ReturnType<typeof supertest>, overrides: Partial<RegisterJobRequest> = {}): Promise<string> {
  const res = await http.post('/api/v1/backups').send(jobRequest(overrides)).expect(201);
  return res.body.backup_id as string;
}

export function update(overrides: Partial<TelemetryUpdate> = {}): TelemetryUpdate {
  return { status: 'running', current_phase: 'transferring', bytes_transferred: 100, total_bytes: 4000, transfer_speed_bps: 50 * 1024 * 1024, ...overrides };
}

export function send(http: ReturnType<typeof supertest>, jobId: string, body: unknown, jobType = 'backup') {
  return http.post(`/api/v1/telemetry/${jobType}/${jobId}`).send(body as object);
}
