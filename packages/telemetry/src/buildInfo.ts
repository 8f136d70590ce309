/** What runs: the app, its version and the Node.js it runs on. */
export interface BuildInfo {
  service: string;
  /** The image's VERSION build argument, which the Dockerfiles pass on as APP_VERSION. */
  version: string;
  node: string;
}

export function buildInfo(service: string, env: NodeJS.ProcessEnv = process.env): BuildInfo {
  return { service, version: env.APP_VERSION || 'dev', node: process.versions.node };
}
