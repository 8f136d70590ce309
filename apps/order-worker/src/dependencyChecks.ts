import type { DependencyCheck } from '@taller/health';

/** What readiness checks: the broker connection, with the topology declared and the consumer attached. */
export function dependencyChecks(broker: { readonly connected: boolean }): DependencyCheck[] {
  return [
    {
      name: 'broker',
      check: async () => {
        if (!broker.connected) throw new Error('not connected to RabbitMQ');
      },
    },
  ];
}
