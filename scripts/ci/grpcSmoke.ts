// The gRPC half of the smoke test: one TF Serving Predict call to inference-server's gRPC port
// (GRPC_ADDRESS, the compose stack's 127.0.0.1:8500 unless set) with the vertical stroke of the
// REST smoke, through the client the app's tests use (built from its .proto files). Unlike
// smoke.mjs it needs the repository: `npx tsx --conditions=@taller/source scripts/ci/grpcSmoke.ts`.
import assert from 'node:assert/strict';
import { setTimeout } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import {
  imageTensor,
  outputRows,
  predictionClient,
  type PredictResponse,
} from '../../apps/inference-server/test/support/grpcClient.js';

const address = process.env.GRPC_ADDRESS ?? '127.0.0.1:8500';
const stroke = Array.from({ length: 28 }, (_, row) =>
  Array.from({ length: 28 }, (_, col) => (col === 14 && row > 4 && row < 24 ? 1 : 0)),
);
const client = predictionClient(address);
// UNAVAILABLE (nothing listening yet, models still loading) is retried for a minute: a
// port-forward or a container may still be starting.
const deadline = Date.now() + 60_000;
let response: PredictResponse | undefined;
while (!response) {
  try {
    response = await client.predict({
      model_spec: { name: 'mnist' },
      inputs: { image: imageTensor([stroke]) },
    });
  } catch (error) {
    if ((error as grpc.ServiceError).code !== grpc.status.UNAVAILABLE || Date.now() > deadline)
      throw error;
    await setTimeout(500);
  }
}
client.close();

const output = response.outputs.probabilities!;
assert.equal(output.dtype, 'DT_FLOAT');
const [probabilities] = outputRows(output);
assert.equal(probabilities!.length, 10);
assert.ok(Math.abs(probabilities!.reduce((sum, p) => sum + p, 0) - 1) < 1e-3);
const digit = probabilities!.indexOf(Math.max(...probabilities!));
console.log(
  `grpc smoke: Predict on ${address}, model ${response.model_spec.name} version ` +
    `${response.model_spec.version.value}: a vertical stroke is predicted as ${digit}`,
);
