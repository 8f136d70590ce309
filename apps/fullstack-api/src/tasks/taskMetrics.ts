import { Counter, type Registry } from 'prom-client';

export interface TaskMetrics {
  created: Counter;
  updated: Counter;
  deleted: Counter;
  conflicts: Counter<'precondition'>;
}

export function createTaskMetrics(registry: Registry): TaskMetrics {
  const counter = (name: string, help: string) =>
    new Counter({ name, help, registers: [registry] });
  return {
    created: counter('tasks_created_total', 'Tasks created.'),
    updated: counter('tasks_updated_total', 'Tasks updated.'),
    deleted: counter('tasks_deleted_total', 'Tasks deleted.'),
    conflicts: new Counter({
      name: 'task_write_conflicts_total',
      help: 'Updates and deletes refused because the task changed since the client read it, by how the client named its version (if_match, body).',
      labelNames: ['precondition'],
      registers: [registry],
    }),
  };
}
