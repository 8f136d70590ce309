import { fileURLToPath } from 'node:url';
import { loadConfig, serverSettings, shutdownSettings } from '@taller/config';
import { z } from 'zod';
import { containerCpus } from './inference/containerCpus.js';

const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

// The model folder shipped with the app: `model/` beside `src/` (in a checkout) and `dist/` (in the image).
const shippedModels = fileURLToPath(new URL('../model', import.meta.url));

export const configSchema = z.object({
  ...serverSettings({ port: 3003 }),

  // Models: `<MODEL_BASE_PATH>/<name>/<version>/model.json`, polled for new and removed versions.
  MODEL_BASE_PATH: z.string().default(shippedModels),
  MODEL_POLL_INTERVAL_MS: z.coerce.number().int().min(0).default(5000),
  // Artificial delay before each version loads, to watch the startupProbe hold a slow pod back.
  MODEL_LOAD_DELAY_MS: z.coerce.number().int().min(0).default(0),
  // The model `POST /predict` answers with.
  DEFAULT_MODEL_NAME: z.string().default('mnist'),

  // Inference: worker threads, each with its own backend and copy of every model.
  INFERENCE_THREADS: positiveInt(containerCpus()),
  INFERENCE_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  // Nice increment of the inference threads (Linux): the event loop (probes, HTTP) comes first.
  INFERENCE_THREAD_NICE: z.coerce.number().int().min(0).max(19).default(10),

  // Micro-batching: requests wait up to BATCH_TIMEOUT_MS for others to share a model call.
  MAX_BATCH_SIZE: positiveInt(32),
  BATCH_TIMEOUT_MS: z.coerce.number().min(0).max(1000).default(2),
  MAX_QUEUED_REQUESTS: positiveInt(256),
  MAX_INSTANCES_PER_REQUEST: positiveInt(256),
  BODY_LIMIT_BYTES: positiveInt(4 * 1024 * 1024),

  // TF Serving's gRPC API, on TF Serving's gRPC port (0: any free port); the REST API stays on PORT.
  GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(8500),
  // Largest gRPC message, each way: 4 MiB is gRPC's default and holds 1,300 packed digits.
  GRPC_MAX_MESSAGE_BYTES: positiveInt(4 * 1024 * 1024),

  ...shutdownSettings(),
});

export type Config = z.output<typeof configSchema>;

/** The settings from the environment and mounted secret files; throws a ConfigError naming bad keys. */
export function readConfig(): Config {
  return loadConfig(configSchema);
}
