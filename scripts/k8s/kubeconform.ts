// kubeconform in strict mode against schemas taken from the validation API server itself, so the
// schemas are those of the pinned Kubernetes and CRD versions, and nothing is downloaded.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { command } from './render.js';
import { SCHEMA_LOCATION, schemaFiles, type OpenApiDocument } from './schemas.js';

type Index = { paths: Record<string, { serverRelativeURL: string }> };

/** The group-versions the API server publishes, once the CRDs' own are among them. */
async function publishedGroupVersions(): Promise<Index> {
  const crds = JSON.parse(await command('KUBECTL', ['get', 'crd', '-o', 'json'])) as {
    items: { spec: { group: string; versions: { name: string; served: boolean }[] } }[];
  };
  const expected = crds.items.flatMap(({ spec }) =>
    spec.versions.filter((v) => v.served).map((v) => `apis/${spec.group}/${v.name}`),
  );
  // A CRD's OpenAPI is published a moment after it is established.
  for (let attempt = 0; ; attempt++) {
    const index = JSON.parse(await command('KUBECTL', ['get', '--raw', '/openapi/v3'])) as Index;
    const missing = expected.filter((path) => !index.paths[path]);
    if (missing.length === 0) return index;
    if (attempt === 100) throw new Error(`OpenAPI never published ${missing.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Writes one strict schema per kind and version into `dir`; returns how many. */
export async function writeSchemas(dir: string): Promise<number> {
  const index = await publishedGroupVersions();
  const groupVersions = Object.entries(index.paths).filter(([path]) =>
    /^(api\/v1|apis\/[^/]+\/[^/]+)$/.test(path),
  );
  let written = 0;
  await Promise.all(
    groupVersions.map(async ([path, { serverRelativeURL }]) => {
      const document = JSON.parse(
        await command('KUBECTL', ['get', '--raw', serverRelativeURL]),
      ) as OpenApiDocument;
      for (const [file, schema] of schemaFiles(path.replace(/^apis?\//, ''), document)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), JSON.stringify(schema));
        written++;
      }
    }),
  );
  return written;
}

/** kubeconform's complaints about `files`, one a line; empty when every object fits its schema. */
export async function kubeconform(schemaDir: string, files: string[]): Promise<string[]> {
  const args = ['-strict', '-schema-location', join(schemaDir, SCHEMA_LOCATION), ...files];
  try {
    await command('KUBECONFORM', args);
    return [];
  } catch (error) {
    const { stdout = '' } = (error as Error & { cause?: { stdout?: string } }).cause ?? {};
    const lines = stdout.split('\n').filter(Boolean);
    return lines.length > 0 ? lines : [(error as Error).message];
  }
}
