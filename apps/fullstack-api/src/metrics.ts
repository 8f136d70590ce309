import { buildInfo, createMetrics, type Metrics } from '@taller/telemetry';
import { Counter, type Registry } from 'prom-client';

/** The shared HTTP and process metrics, with `build_info` naming this service. */
export function createAppMetrics(): Metrics {
  return createMetrics({ build: buildInfo('fullstack-api') });
}

export interface TaskMetrics {
  created: Counter;
  updated: Counter;
  deleted: Counter;
  conflicts: Counter<'precondition'>;
}

/** What the task board counts besides requests: writes, and writes refused as stale. */
export function createTaskMetrics(registry: Registry): TaskMetrics {
  const counter = (name: string, help: string) =>
    new Counter({ name, help, registers: [registry] });
  return {
    created: counter('tasks_created_total', 'Tasks created.'),
    updated: counter('tasks_updated_total', 'Tasks updated.'),
    deleted: counter('tasks_deleted_total', 'Tasks deleted.'),
    conflicts: new Counter({
      name: 'fullstack_task_write_conflicts_total',
      help: 'Updates and deletes refused because the task changed since the client read it, by how the client named its version (if_match, body).',
      labelNames: ['precondition'],
      registers: [registry],
    }),
  };
}
