import type { BackupType, MachineInfo } from '@backup-telemetry/contract';

const GiB = 1024 ** 3;

export interface VmDisk {
  disk_index: number;
  name: string;
  size_bytes: number;
  /** Share of the disk holding data: what a full backup reads. */
  used_fraction: number;
  /** Share of the used data that changes in a day: what an incremental reads. */
  daily_change_fraction: number;
}

export interface VmProfile {
  vm_name: string;
  repository_id: string;
  os: string;
  cpu_count: number;
  memory_bytes: number;
  disks: VmDisk[];
  /** Sustained read speed of this VM's storage path in MiB/s, before fluctuation. */
  speed_mibps: number;
}

const disk = (disk_index: number, name: string, size_gib: number, used_fraction: number, daily_change_fraction: number): VmDisk => ({
  disk_index, name, size_bytes: size_gib * GiB, used_fraction, daily_change_fraction,
});

/** A small lab: web and app servers with one or two disks, databases with data and log disks. */
export const FLEET: readonly VmProfile[] = [
  { vm_name: 'web-01', repository_id: 'repo-main', os: 'Ubuntu 22.04 LTS', cpu_count: 2, memory_bytes: 4 * GiB, speed_mibps: 180,
    disks: [disk(0, 'sda (system)', 40, 0.45, 0.04), disk(1, 'sdb (www)', 80, 0.3, 0.08)] },
  { vm_name: 'db-02', repository_id: 'repo-main', os: 'Debian 12', cpu_count: 8, memory_bytes: 32 * GiB, speed_mibps: 240,
    disks: [disk(0, 'sda (system)', 40, 0.4, 0.03), disk(1, 'sdb (data)', 500, 0.62, 0.06), disk(2, 'sdc (wal)', 100, 0.35, 0.25)] },
  { vm_name: 'file-03', repository_id: 'repo-archive', os: 'Windows Server 2022', cpu_count: 4, memory_bytes: 16 * GiB, speed_mibps: 150,
    disks: [disk(0, 'C:', 120, 0.55, 0.03), disk(1, 'D: (shares)', 1024, 0.48, 0.02)] },
  { vm_name: 'app-04', repository_id: 'repo-main', os: 'Rocky Linux 9', cpu_count: 4, memory_bytes: 8 * GiB, speed_mibps: 200,
    disks: [disk(0, 'vda', 60, 0.5, 0.05)] },
  { vm_name: 'mail-05', repository_id: 'repo-archive', os: 'Windows Server 2019', cpu_count: 4, memory_bytes: 12 * GiB, speed_mibps: 120,
    disks: [disk(0, 'C:', 100, 0.5, 0.03), disk(1, 'E: (mailstore)', 400, 0.7, 0.05)] },
  { vm_name: 'web-06', repository_id: 'repo-main', os: 'Ubuntu 24.04 LTS', cpu_count: 2, memory_bytes: 4 * GiB, speed_mibps: 190,
    disks: [disk(0, 'sda', 50, 0.4, 0.05)] },
  { vm_name: 'db-07', repository_id: 'repo-main', os: 'Oracle Linux 8', cpu_count: 16, memory_bytes: 64 * GiB, speed_mibps: 280,
    disks: [disk(0, 'sda (system)', 50, 0.4, 0.03), disk(1, 'sdb (data)', 800, 0.55, 0.07), disk(2, 'sdc (redo)', 200, 0.3, 0.3)] },
  { vm_name: 'dc-08', repository_id: 'repo-main', os: 'Windows Server 2022', cpu_count: 2, memory_bytes: 8 * GiB, speed_mibps: 160,
    disks: [disk(0, 'C:', 80, 0.4, 0.02)] },
];

/** The i-th VM of the fleet; past the end, numbered copies (`web-09`, `db-10`, …) of the same profiles. */
export function vmAt(index: number): VmProfile {
  const base = FLEET[index % FLEET.length];
  if (index < FLEET.length) return base;
  const role = base.vm_name.split('-')[0];
  return { ...base, vm_name: `${role}-${String(index + 1).padStart(2, '0')}` };
}

export function machineInfo(vm: VmProfile): MachineInfo {
  return {
    os: vm.os,
    cpu_count: vm.cpu_count,
    memory_bytes: vm.memory_bytes,
    disks: vm.disks.map((d) => ({ disk_index: d.disk_index, name: d.name, size_bytes: d.size_bytes })),
  };
}

/** Bytes a backup of `disk` reads: the used data for a full, one day's changes for an incremental. */
export function bytesToRead(d: VmDisk, type: BackupType): number {
  const used = d.size_bytes * d.used_fraction;
  return Math.round(type === 'full' ? used : used * d.daily_change_fraction);
}
