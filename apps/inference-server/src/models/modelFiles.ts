// A model version on disk: a TensorFlow.js LayersModel (model.json + weight files). No TensorFlow.js
// import here: the main thread checks files without loading the library.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { z } from 'zod';

const BYTES_PER_ELEMENT = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
} as const;

const weightSpec = z.looseObject({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  dtype: z.enum(['float32', 'int32', 'bool']),
  quantization: z.looseObject({ dtype: z.enum(['uint8', 'uint16', 'float16']) }).optional(),
});

const modelJson = z.looseObject({
  format: z.literal('layers-model'),
  modelTopology: z.looseObject({}),
  weightsManifest: z.array(
    z.object({ paths: z.array(z.string().min(1)), weights: z.array(weightSpec) }),
  ),
  userDefinedMetadata: z
    .looseObject({
      // Inputs outside this range are refused with a 400 (pixels are 0..1, not 0..255).
      inputRange: z.tuple([z.number(), z.number()]).optional(),
      // Names of the output classes, for `POST /predict`.
      classLabels: z.array(z.string()).optional(),
    })
    .optional(),
});

export type ModelJson = z.output<typeof modelJson>;

/** The folder is not (yet) a loadable model: `incomplete` when files are missing or still short. */
export class ModelFilesError extends Error {
  constructor(
    message: string,
    readonly incomplete: boolean,
  ) {
    super(message);
    this.name = 'ModelFilesError';
  }
}

export interface ModelFolder {
  json: ModelJson;
  weightFiles: string[];
  /** Changes whenever a file of the version changes: a failed version is retried only then. */
  fingerprint: string;
}

/** Reads model.json and checks that every weight file it lists is there, complete. */
export async function inspectModelFolder(dir: string): Promise<ModelFolder> {
  const jsonPath = join(dir, 'model.json');
  const jsonStat = await stat(jsonPath).catch(() => undefined);
  if (!jsonStat) throw new ModelFilesError(`no model.json in ${dir}`, true);
  let json: ModelJson;
  try {
    json = modelJson.parse(JSON.parse(await readFile(jsonPath, 'utf8')));
  } catch (error) {
    throw new ModelFilesError(
      `model.json is not a TensorFlow.js LayersModel: ${brief(error)}`,
      false,
    );
  }
  const weightFiles = json.weightsManifest.flatMap((group) =>
    group.paths.map((path) => {
      const file = resolve(dir, path);
      if (!file.startsWith(resolve(dir) + sep)) {
        throw new ModelFilesError(`weight path ${path} leaves the version folder`, false);
      }
      return file;
    }),
  );
  const stats = await Promise.all(weightFiles.map((file) => stat(file).catch(() => undefined)));
  const missing = weightFiles.filter((_, i) => stats[i] === undefined);
  if (missing.length > 0)
    throw new ModelFilesError(`missing weight files: ${missing.join(', ')}`, true);
  const present = stats.reduce((sum, fileStat) => sum + (fileStat?.size ?? 0), 0);
  const expected = weightBytes(json);
  if (present !== expected) {
    throw new ModelFilesError(
      `weight files hold ${present} bytes, the manifest needs ${expected}`,
      present < expected,
    );
  }
  const fingerprint = [jsonStat, ...stats].map((s) => `${s?.mtimeMs}:${s?.size}`).join('|');
  return { json, weightFiles, fingerprint };
}

/** Everything `tf.loadLayersModel` needs, read from the version folder. */
export async function readModelArtifacts(dir: string): Promise<io.ModelArtifacts> {
  const { json, weightFiles } = await inspectModelFolder(dir);
  const buffers = await Promise.all(weightFiles.map((file) => readFile(file)));
  const weightData = new Uint8Array(buffers.reduce((sum, buffer) => sum + buffer.length, 0));
  let offset = 0;
  for (const buffer of buffers) {
    weightData.set(buffer, offset);
    offset += buffer.length;
  }
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: weightData.buffer,
  };
}

function weightBytes(json: ModelJson): number {
  return json.weightsManifest
    .flatMap((group) => group.weights)
    .reduce((sum, spec) => {
      const elements = spec.shape.reduce((product, dim) => product * dim, 1);
      return sum + elements * BYTES_PER_ELEMENT[spec.quantization?.dtype ?? spec.dtype];
    }, 0);
}

function brief(error: unknown): string {
  if (error instanceof z.ZodError) {
    return error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
