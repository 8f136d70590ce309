import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import { ApiError } from '@taller/telemetry';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { notReady, type Predictor } from '../inference/predictor.js';
import type { ModelCatalog } from '../models/modelCatalog.js';
import { decodeInstance, decodePredictRequest } from './predictRequest.js';
import { modelMetadataBody, modelStatusBody, predictBody } from './tfServingResponses.js';
import {
  digitSchema,
  modelMetadataSchema,
  modelPredictSchema,
  modelStatusSchema,
  versionMetadataSchema,
  versionPredictSchema,
  versionStatusSchema,
} from './tfServingSchemas.js';

export interface TfServingRoutesOptions {
  predictor: Predictor;
  maxInstancesPerRequest: number;
  /** The model `POST /predict` uses. */
  defaultModel: string;
}

/** The app with handler types inferred from the route schemas. */
type Routes = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  JsonSchemaToTsProvider
>;

interface ModelParams {
  name: string;
  version?: string;
}

// find-my-way reads `::` as a literal colon; the regex ends the parameter before it.
const NAME = ':name([\\w.-]+)';
const VERSION = ':version(\\d{1,15})';

/**
 * TF Serving's REST API (status, metadata, predict in row and columnar formats) and the
 * workshop's `POST /predict`. Bodies are JSON whatever their content type, as in TF Serving
 * (`curl -d` sends application/x-www-form-urlencoded).
 */
export async function tfServingRoutes(app: FastifyInstance, options: TfServingRoutesOptions) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  const routes = app.withTypeProvider<JsonSchemaToTsProvider>();
  statusRoutes(routes, options.predictor.catalog);
  metadataRoutes(routes, options.predictor);
  predictRoutes(routes, options);
  digitRoute(routes, options);
}

/** GetModelStatus: every version of a model, or one. */
function statusRoutes(routes: Routes, catalog: ModelCatalog): void {
  const status = ({ name, version }: ModelParams) => {
    const versions = catalog.versions(name);
    if (!versions) {
      if (!catalog.started) throw notReady('models are still loading; retry shortly');
      throw new ApiError(404, 'not_found', `Could not find any versions of model ${name}`);
    }
    if (version === undefined) return modelStatusBody(versions);
    const one = versions.filter((v) => v.version === Number(version));
    if (one.length === 0)
      throw new ApiError(404, 'not_found', `Could not find version ${version} of model ${name}`);
    return modelStatusBody(one);
  };
  routes.get('/v1/models/:name', { schema: modelStatusSchema }, async (request) =>
    status(request.params),
  );
  routes.get(
    `/v1/models/:name/versions/${VERSION}`,
    { schema: versionStatusSchema },
    async (request) => status(request.params),
  );
}

/** GetModelMetadata: the `serving_default` signature of the latest or a given version. */
function metadataRoutes(routes: Routes, predictor: Predictor): void {
  const metadata = ({ name, version }: ModelParams) =>
    modelMetadataBody(predictor.find(name, versionNumber(version)));
  routes.get('/v1/models/:name/metadata', { schema: modelMetadataSchema }, async (request) =>
    metadata(request.params),
  );
  routes.get(
    `/v1/models/:name/versions/${VERSION}/metadata`,
    { schema: versionMetadataSchema },
    async (request) => metadata(request.params),
  );
}

/** Predict, row (`instances`) or columnar (`inputs`) format, on the latest or a given version. */
function predictRoutes(routes: Routes, options: TfServingRoutesOptions): void {
  const { predictor, maxInstancesPerRequest } = options;
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
  routes.post(`/v1/models/${NAME}::predict`, { schema: modelPredictSchema }, (request, reply) =>
    predict(request.params, request.body, reply),
  );
  routes.post(
    `/v1/models/:name/versions/${VERSION}::predict`,
    { schema: versionPredictSchema },
    (request, reply) => predict(request.params, request.body, reply),
  );
}

/** The workshop's shortcut: one image as a plain list (28 rows of 28, or 784 values), the digit back. */
function digitRoute(routes: Routes, { predictor, defaultModel }: TfServingRoutesOptions): void {
  routes.post('/predict', { schema: digitSchema }, async (request) => {
    const served = predictor.accept(defaultModel);
    const input = decodeInstance(request.body, served.signature.input, served.inputRange);
    const scores = Array.from(await predictor.predict(served, 1, input));
    const best = scores.indexOf(Math.max(...scores));
    return {
      model: served.model,
      version: String(served.version),
      label: served.classLabels?.[best] ?? String(best),
      class: best,
      confidence: scores[best]!,
      probabilities: scores,
    };
  });
}

function versionNumber(version: string | undefined): number | undefined {
  return version === undefined ? undefined : Number(version);
}
