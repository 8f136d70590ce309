import type { FastifyInstance, FastifyReply } from 'fastify';
import { notReady, type Predictor } from '../inference/predictor.js';
import { HttpError } from './httpError.js';
import { decodeInstance, decodePredictRequest } from './predictRequest.js';
import { modelMetadataBody, modelStatusBody, predictBody } from './tfServingResponses.js';

export interface TfServingRoutesOptions {
  predictor: Predictor;
  maxInstancesPerRequest: number;
  /** The model `POST /predict` uses. */
  defaultModel: string;
}

interface ModelParams {
  name: string;
  version?: string;
}

// find-my-way reads `::` as a literal colon; the regex ends the parameter before it.
const NAME = ':name([\\w.-]+)';
const VERSION = ':version(\\d{1,15})';

const errorBody = {
  type: 'object',
  properties: { error: { type: 'string' } },
  required: ['error'],
} as const;
const statusResponse = {
  200: {
    type: 'object',
    properties: {
      model_version_status: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            version: { type: 'string' },
            state: { type: 'string' },
            status: {
              type: 'object',
              properties: { error_code: { type: 'string' }, error_message: { type: 'string' } },
            },
          },
        },
      },
    },
  },
  '4xx': errorBody,
  '5xx': errorBody,
} as const;
const predictSchema = {
  body: {
    type: 'object',
    properties: { signature_name: { type: 'string' } },
  },
} as const;

/**
 * TF Serving's REST API (status, metadata, predict in row and columnar formats) and the
 * workshop's `POST /predict`. Bodies are JSON whatever their content type, as in TF Serving
 * (`curl -d` sends application/x-www-form-urlencoded).
 */
export async function tfServingRoutes(app: FastifyInstance, options: TfServingRoutesOptions) {
  const { predictor, maxInstancesPerRequest, defaultModel } = options;
  const { catalog } = predictor;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  const status = async ({ name, version }: ModelParams) => {
    const versions = catalog.versions(name);
    if (!versions) {
      if (!catalog.started) throw notReady('models are still loading; retry shortly');
      throw new HttpError(404, `Could not find any versions of model ${name}`);
    }
    if (version === undefined) return modelStatusBody(versions);
    const one = versions.filter((v) => v.version === Number(version));
    if (one.length === 0)
      throw new HttpError(404, `Could not find version ${version} of model ${name}`);
    return modelStatusBody(one);
  };
  app.get<{ Params: ModelParams }>(
    '/v1/models/:name',
    { schema: { response: statusResponse } },
    (r) => status(r.params),
  );
  app.get<{ Params: ModelParams }>(
    `/v1/models/:name/versions/${VERSION}`,
    { schema: { response: statusResponse } },
    (request) => status(request.params),
  );

  const metadata = async ({ name, version }: ModelParams) =>
    modelMetadataBody(predictor.find(name, versionNumber(version)));
  app.get<{ Params: ModelParams }>('/v1/models/:name/metadata', (request) =>
    metadata(request.params),
  );
  app.get<{ Params: ModelParams }>(`/v1/models/:name/versions/${VERSION}/metadata`, (request) =>
    metadata(request.params),
  );

  const predict = async (params: ModelParams, body: unknown, reply: FastifyReply) => {
    const served = predictor.accept(params.name, versionNumber(params.version));
    const request = decodePredictRequest(body, served.signature.input, {
      maxInstances: maxInstancesPerRequest,
      range: served.inputRange,
    });
    const output = await predictor.predict(served, request.rows, request.input);
    const key = request.format === 'row' ? 'predictions' : 'outputs';
    return reply
      .type('application/json')
      .send(predictBody(key, output, request.rows, served.signature));
  };
  app.post<{ Params: ModelParams }>(
    `/v1/models/${NAME}::predict`,
    { schema: predictSchema },
    (request, reply) => predict(request.params, request.body, reply),
  );
  app.post<{ Params: ModelParams }>(
    `/v1/models/:name/versions/${VERSION}::predict`,
    { schema: predictSchema },
    (request, reply) => predict(request.params, request.body, reply),
  );

  // The workshop's shortcut: one image as a plain list (28 rows of 28, or 784 values), the digit back.
  app.post('/predict', { schema: { body: { type: 'array' } } }, async (request) => {
    const served = predictor.accept(defaultModel);
    const input = decodeInstance(request.body, served.signature.input, served.inputRange);
    const scores = Array.from(await predictor.predict(served, 1, input));
    const best = scores.indexOf(Math.max(...scores));
    return {
      model: served.model,
      version: String(served.version),
      label: served.classLabels?.[best] ?? String(best),
      class: best,
      confidence: scores[best],
      probabilities: scores,
    };
  });
}

function versionNumber(version: string | undefined): number | undefined {
  return version === undefined ? undefined : Number(version);
}
