// The API server's OpenAPI v3 documents (built-in kinds and CRDs alike) turned into the standalone
// JSON schemas kubeconform reads, one file per kind and version, strict: an object may hold only
// the fields its schema names, unless Kubernetes itself keeps unknown fields there.

type Schema = { [keyword: string]: unknown };
/** One `/openapi/v3/apis/<group>/<version>` document, as far as the conversion reads it. */
export interface OpenApiDocument {
  components?: { schemas?: Record<string, Schema> };
}

/** kubeconform's -schema-location for the files below; `.Group` is the version for the core group. */
export const SCHEMA_LOCATION = '{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json';
const COMPONENTS = '#/components/schemas/';

/** A copy of `schema` made strict, its references pointing at `definitions` (kubeconform's draft 4). */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [keyword, value] of Object.entries(schema as Schema)) {
    if (keyword === '$ref' && typeof value === 'string') {
      out.$ref = value.replace(COMPONENTS, '#/definitions/');
    } else if (keyword === 'properties' || keyword === 'patternProperties') {
      // Field names, not keywords: only their values are schemas.
      out[keyword] = Object.fromEntries(
        Object.entries(value as Schema).map(([name, field]) => [name, strict(field)]),
      );
    } else {
      out[keyword] = strict(value);
    }
  }
  // OpenAPI's `nullable` is no JSON Schema keyword: draft 4 says it with a second type.
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/** The names of the components `schema` refers to, directly or through others. */
function referenced(schema: unknown, all: Record<string, Schema>, found = new Set<string>()) {
  const text = JSON.stringify(schema);
  for (const [, name] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
    if (found.has(name!) || !all[name!]) continue;
    found.add(name!);
    referenced(all[name!], all, found);
  }
  return found;
}

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/**
 * The schema files for the kinds `document` serves, by path under the schema folder. `groupVersion`
 * is the document's own ("apps/v1", "v1"): shared types such as DeleteOptions list every group.
 */
export function schemaFiles(groupVersion: string, document: OpenApiDocument) {
  const all = document.components?.schemas ?? {};
  const files = new Map<string, unknown>();
  for (const schema of Object.values(all)) {
    const kinds = (schema['x-kubernetes-group-version-kind'] ?? []) as GroupVersionKind[];
    for (const { group, version, kind } of kinds) {
      if ((group ? `${group}/${version}` : version) !== groupVersion) continue;
      const definitions = Object.fromEntries(
        [...referenced(schema, all)].map((name) => [name, strict(all[name])]),
      );
      files.set(`${group || version}/${kind.toLowerCase()}_${version}.json`, {
        ...(strict(schema) as Schema),
        definitions,
      });
    }
  }
  return files;
}
