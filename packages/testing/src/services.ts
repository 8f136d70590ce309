// Where tests find real services: the TEST_*_URL variable when set (CI and machines that run
// them natively), else a container started by testcontainers, else a clear failure.

type Start = () => Promise<string>;

const started = new Map<string, Promise<string>>();

function service(variable: string, example: string, start: Start): () => Promise<string> {
  return () => {
    const fromEnv = process.env[variable];
    if (fromEnv) return Promise.resolve(fromEnv);
    let url = started.get(variable);
    if (!url) {
      url = start().catch((error: unknown) => {
        throw new Error(
          `No ${variable} is set and no container could be started (${(error as Error).message}). ` +
            `Point ${variable} at a running server (for example ${variable}=${example}) or start Docker ` +
            `so testcontainers can run one.`,
          { cause: error },
        );
      });
      started.set(variable, url);
    }
    return url;
  };
}

/** A PostgreSQL server URL; use `createTestDatabase` for a database of your own. */
export const postgresUrl = service(
  'TEST_DATABASE_URL',
  'postgres://postgres@127.0.0.1:5432/postgres',
  async () => {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:17-alpine').start();
    return container.getConnectionUri();
  },
);

export const redisUrl = service('TEST_REDIS_URL', 'redis://127.0.0.1:6379', async () => {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer('redis:7-alpine').start();
  return container.getConnectionUrl();
});

export const amqpUrl = service('TEST_AMQP_URL', 'amqp://guest:guest@127.0.0.1:5672', async () => {
  const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
  const container = await new RabbitMQContainer('rabbitmq:4-management-alpine').start();
  return container.getAmqpUrl();
});
