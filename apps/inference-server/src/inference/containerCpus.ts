import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

type ReadFile = (path: string) => string;

/**
 * The CPUs this process may keep busy: the scheduler's count (`os.availableParallelism`, which
 * honours the cpuset) capped by a cgroup CPU quota, i.e. a Kubernetes CPU limit. A fractional quota
 * rounds down (a thread per whole CPU keeps inference from being throttled), never below 1.
 */
export function containerCpus(
  read: ReadFile = (path) => readFileSync(path, 'utf8'),
  cpus = availableParallelism(),
): number {
  const quota = cgroupCpuQuota(read);
  return Math.max(1, quota === undefined ? cpus : Math.min(cpus, Math.floor(quota)));
}

function cgroupCpuQuota(read: ReadFile): number | undefined {
  // cgroup v2: "<quota> <period>" or "max <period>".
  const v2 = tryRead(read, '/sys/fs/cgroup/cpu.max');
  if (v2 !== undefined) {
    const [quota, period] = v2.trim().split(/\s+/).map(Number);
    return ratio(quota, period);
  }
  // cgroup v1: a quota of -1 means no limit.
  const quota = Number(tryRead(read, '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const period = Number(tryRead(read, '/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  return ratio(quota, period);
}

function ratio(quota: number | undefined, period: number | undefined): number | undefined {
  if (!quota || !period || !Number.isFinite(quota) || quota <= 0 || period <= 0) return undefined;
  return quota / period;
}

function tryRead(read: ReadFile, path: string): string | undefined {
  try {
    return read(path);
  } catch {
    return undefined;
  }
}
