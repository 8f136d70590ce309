// The gRPC half of the smoke test: one TF Serving Predict call to inference-server's gRPC port
// (GRPC_ADDRESS, the compose stack's 127.0.0.1:8500 unless set) with the vertical stroke of the
// REST smoke, packed as float32, through a client built from the app's own .proto files. Unlike
// smoke.mjs it needs the repository's node_modules (@grpc/grpc-js, @grpc/proto-loader).
import assert from 'node:assert/strict';
import { setTimeout } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const address = process.env.GRPC_ADDRESS ?? '127.0.0.1:8500';
const protos = fileURLToPath(new URL('../../apps/inference-server/proto', import.meta.url));
const definition = protoLoader.loadSync('tensorflow_serving/apis/prediction_service.proto', {
  includeDirs: [protos],
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
});
const { PredictionService } = grpc.loadPackageDefinition(definition).tensorflow.serving;
const client = new PredictionService(address, grpc.credentials.createInsecure());

const pixels = Float32Array.from({ length: 28 * 28 }, (_, i) => {
  const row = Math.floor(i / 28);
  return i % 28 === 14 && row > 4 && row < 24 ? 1 : 0;
});
const request = {
  model_spec: { name: 'mnist' },
  inputs: {
    image: {
      dtype: 'DT_FLOAT',
      tensor_shape: { dim: [{ size: 1 }, { size: 28 }, { size: 28 }] },
      tensor_content: Buffer.from(pixels.buffer),
    },
  },
};
// UNAVAILABLE (nothing listening yet, models still loading) is retried until the deadline: a
// port-forward or a container may still be starting.
const deadline = Date.now() + 60_000;
const predict = () =>
  new Promise((resolve, reject) =>
    client.Predict(request, { deadline }, (error, value) =>
      error ? reject(error) : resolve(value),
    ),
  );
let response;
while (!response) {
  try {
    response = await predict();
  } catch (error) {
    if (error.code !== grpc.status.UNAVAILABLE || Date.now() > deadline) throw error;
    await setTimeout(500);
  }
}
client.close();

const output = response.outputs.probabilities;
assert.equal(output.dtype, 'DT_FLOAT');
assert.deepEqual(
  output.tensor_shape.dim.map((dim) => dim.size),
  [1, 10],
);
const bytes = output.tensor_content;
const probabilities = Array.from(
  new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
);
assert.ok(Math.abs(probabilities.reduce((sum, p) => sum + p, 0) - 1) < 1e-3);
const digit = probabilities.indexOf(Math.max(...probabilities));
console.log(
  `grpc smoke: Predict on ${address}, model ${response.model_spec.name} version ` +
    `${response.model_spec.version.value}: a vertical stroke is predicted as ${digit}`,
);
