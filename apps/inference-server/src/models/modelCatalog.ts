import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@taller/telemetry';
import type { InferenceMetrics } from '../metrics.js';
import type { InferencePool, SyncReport } from '../inference/inferencePool.js';
import type { Signature } from '../inference/inferenceTasks.js';
import { inspectModelFolder, ModelFilesError } from './modelFiles.js';

/** TF Serving's version states that this server goes through. */
export type VersionState = 'LOADING' | 'AVAILABLE' | 'END';

export interface ModelVersion {
  model: string;
  version: number;
  path: string;
  state: VersionState;
  /** Why an END version could not be loaded. */
  error?: string;
  fingerprint: string;
  signature?: Signature;
  inputRange?: [number, number] | undefined;
  classLabels?: string[] | undefined;
}

export type AvailableVersion = ModelVersion & { state: 'AVAILABLE'; signature: Signature };

export type Lookup = { found: AvailableVersion } | { status: 404 | 503; error: string };

export interface ModelCatalogOptions {
  basePath: string;
  pool: Pick<InferencePool, 'sync'>;
  /** 0 turns polling off: the versions found at start are served until the process ends. */
  pollIntervalMs: number;
  /** Artificial delay before versions load (the startupProbe demonstration). */
  loadDelayMs: number;
  /** Resolves when no request of these versions is queued or running. */
  settled: (paths: string[]) => Promise<void>;
  logger: Logger;
  metrics: InferenceMetrics;
}

// Model names become URL segments and metric labels; versions are TF Serving's integer folders.
const MODEL_NAME = /^[A-Za-z0-9_][\w.-]*$/;
const VERSION = /^\d{1,15}$/;

/**
 * The served models: every numbered version folder under `<basePath>/<model>/`. Polls the folder;
 * a new version loads and warms in every worker thread before it becomes `latest` (the previous
 * version keeps serving meanwhile); a removed version stops being routed, finishes its queued
 * requests, then is unloaded.
 */
export class ModelCatalog {
  readonly #options: ModelCatalogOptions;
  readonly #models = new Map<string, Map<number, ModelVersion>>();
  #refreshing: Promise<void> = Promise.resolve();
  #started = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ModelCatalogOptions) {
    this.#options = options;
  }

  /** Loads what is on disk now, then polls. */
  async start(): Promise<void> {
    await this.refresh();
    this.#started = true;
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  /** True once the versions found at start have been loaded (or failed to). */
  get started(): boolean {
    return this.#started;
  }

  names(): string[] {
    return [...this.#models.keys()].sort();
  }

  /** Every version of a model, newest first; undefined for an unknown model. */
  versions(model: string): ModelVersion[] | undefined {
    const versions = this.#models.get(model);
    return versions && [...versions.values()].sort((a, b) => b.version - a.version);
  }

  /** The version a request names, or the latest available one; else why not, as TF Serving says it. */
  lookup(model: string, version?: number): Lookup {
    if (!this.#started) return { status: 503, error: 'models are still loading; retry shortly' };
    const versions = this.versions(model);
    const request = version === undefined ? `Latest(${model})` : `Specific(${model}, ${version})`;
    const candidates =
      versions?.filter((v) => version === undefined || v.version === version) ?? [];
    const found = candidates.find(isAvailable);
    if (found) return { found };
    if (candidates.some((v) => v.state === 'LOADING')) {
      return { status: 503, error: `Servable ${request} is still loading; retry shortly` };
    }
    const failed = candidates.find((v) => v.state === 'END');
    const reason = failed?.error
      ? `: version ${failed.version} failed to load: ${failed.error}`
      : '';
    return { status: 404, error: `Servable not found for request: ${request}${reason}` };
  }

  /** Ready when at least one model is served and every model has an available version. */
  readiness(): { ready: boolean; problem?: string; models: Record<string, unknown> } {
    const models = Object.fromEntries(
      this.names().map((name) => {
        const versions = this.versions(name) ?? [];
        const latest = versions.find(isAvailable);
        return [
          name,
          {
            latest: latest ? String(latest.version) : null,
            versions: Object.fromEntries(versions.map((v) => [String(v.version), v.state])),
          },
        ];
      }),
    );
    const waiting = this.names().filter((name) => !this.versions(name)?.some(isAvailable));
    let problem: string | undefined;
    if (!this.#started) problem = 'models are still loading';
    else if (this.#models.size === 0) problem = `no model versions under ${this.#options.basePath}`;
    else if (waiting.length > 0) problem = `no available version of ${waiting.join(', ')}`;
    return { ready: problem === undefined, ...(problem ? { problem } : {}), models };
  }

  /** Brings the served versions in line with the folder; one refresh runs at a time. */
  refresh(): Promise<void> {
    const run = this.#refreshing.then(() => this.#refresh());
    // The chain only orders refreshes: one that failed must not fail every later one.
    this.#refreshing = run.catch(() => undefined);
    return run;
  }

  #schedule(): void {
    if (this.#closed || this.#options.pollIntervalMs === 0) return;
    this.#timer = setTimeout(() => {
      this.refresh()
        .catch((error: unknown) =>
          this.#options.logger.error({ err: error }, 'model refresh failed'),
        )
        .finally(() => this.#schedule());
    }, this.#options.pollIntervalMs);
    this.#timer.unref();
  }

  async #refresh(): Promise<void> {
    const onDisk = await this.#scan();
    const removed = this.#forgetRemoved(onDisk);
    const loading = await this.#addNew(onDisk);
    if (loading.length === 0 && removed.length === 0) return;
    const report = await this.#syncThreads(removed, loading);
    if (report) this.#settleLoading(loading, report);
  }

  /** Stops routing to versions gone from disk; the removed versions. */
  #forgetRemoved(onDisk: Map<string, Map<number, string>>): ModelVersion[] {
    const removed: ModelVersion[] = [];
    for (const [name, versions] of this.#models) {
      for (const [number, version] of versions) {
        if (onDisk.get(name)?.get(number) !== undefined) continue;
        versions.delete(number);
        removed.push(version);
      }
      if (versions.size === 0) this.#models.delete(name);
    }
    return removed;
  }

  /** Adds versions new on disk (or changed since they failed) as LOADING; those to load. */
  async #addNew(onDisk: Map<string, Map<number, string>>): Promise<ModelVersion[]> {
    const loading: ModelVersion[] = [];
    for (const [name, versions] of onDisk) {
      for (const [number, path] of versions) {
        const known = this.#models.get(name)?.get(number);
        if (known && known.state !== 'END') continue;
        const candidate = await this.#inspect(name, number, path, known);
        if (!candidate) continue;
        let served = this.#models.get(name);
        if (!served) {
          served = new Map();
          this.#models.set(name, served);
        }
        served.set(number, candidate);
        if (candidate.state === 'LOADING') loading.push(candidate);
      }
    }
    return loading;
  }

  /**
   * Makes every thread hold exactly the versions not END: removed ones once their accepted
   * requests are answered, new ones loaded and warm. Undefined when the threads could not be
   * reached (one died mid-load) or waiting for removed versions failed: the new versions are
   * forgotten so that the next poll loads them again; what was available stays available.
   */
  async #syncThreads(
    removed: ModelVersion[],
    loading: ModelVersion[],
  ): Promise<SyncReport | undefined> {
    const { logger, metrics, pool, loadDelayMs } = this.#options;
    try {
      if (removed.length > 0) {
        // No longer routed; let requests already accepted for them finish before they unload.
        await this.#options.settled(removed.map((v) => v.path));
        for (const version of removed) {
          metrics.modelLoad.remove({ model: version.model, version: String(version.version) });
          logger.info(label(version), 'model version removed: unloading');
        }
      }
      if (loading.length > 0) {
        logger.info(
          { versions: loading.map(label), delayMs: loadDelayMs },
          'loading model versions',
        );
        if (loadDelayMs > 0) await sleep(loadDelayMs);
      }
      return await pool.sync(
        this.#all()
          .filter((v) => v.state !== 'END')
          .map((v) => v.path),
      );
    } catch (error) {
      for (const version of loading) this.#models.get(version.model)?.delete(version.version);
      for (const [name, versions] of this.#models)
        if (versions.size === 0) this.#models.delete(name);
      logger.error(
        { err: error, versions: loading.map(label) },
        'loading failed; retrying at the next poll',
      );
      return undefined;
    }
  }

  /** Each loaded version turns AVAILABLE (with its signature), each failed one END with why. */
  #settleLoading(loading: ModelVersion[], report: SyncReport): void {
    const { logger, metrics } = this.#options;
    for (const version of loading) {
      const loaded = report.loaded.get(version.path);
      if (loaded) {
        version.state = 'AVAILABLE';
        version.signature = loaded.signature;
        metrics.modelLoad.set(
          { model: version.model, version: String(version.version) },
          loaded.loadMs / 1000,
        );
        logger.info(
          { ...label(version), loadMs: Math.round(loaded.loadMs) },
          'model version available',
        );
      } else {
        version.state = 'END';
        version.error = report.errors.get(version.path) ?? 'not loaded';
        logger.error({ ...label(version), error: version.error }, 'model version failed to load');
      }
    }
  }

  /** A version to load, an END version with why, or undefined to look again at the next poll. */
  async #inspect(
    model: string,
    version: number,
    path: string,
    known: ModelVersion | undefined,
  ): Promise<ModelVersion | undefined> {
    try {
      const { json, fingerprint } = await inspectModelFolder(path);
      if (known?.fingerprint === fingerprint) return undefined; // failed before and unchanged
      const metadata = json.userDefinedMetadata;
      return {
        model,
        version,
        path,
        state: 'LOADING',
        fingerprint,
        inputRange: metadata?.inputRange,
        classLabels: metadata?.classLabels,
      };
    } catch (error) {
      // Files still being copied in: not a version yet.
      if (error instanceof ModelFilesError && error.incomplete) return undefined;
      const message = error instanceof Error ? error.message : String(error);
      if (known?.error === message) return undefined;
      this.#options.logger.error({ model, version, error: message }, 'model version is invalid');
      return { model, version, path, state: 'END', error: message, fingerprint: '' };
    }
  }

  async #scan(): Promise<Map<string, Map<number, string>>> {
    const found = new Map<string, Map<number, string>>();
    for (const name of await subfolders(this.#options.basePath)) {
      if (!MODEL_NAME.test(name)) continue;
      const versions = new Map<number, string>();
      for (const folder of await subfolders(join(this.#options.basePath, name))) {
        if (VERSION.test(folder))
          versions.set(Number(folder), join(this.#options.basePath, name, folder));
      }
      if (versions.size > 0) found.set(name, versions);
    }
    return found;
  }

  #all(): ModelVersion[] {
    return [...this.#models.values()].flatMap((versions) => [...versions.values()]);
  }
}

function isAvailable(version: ModelVersion): version is AvailableVersion {
  return version.state === 'AVAILABLE';
}

function label(version: ModelVersion) {
  return { model: version.model, version: version.version };
}

/** Folder names under `path`, symbolic links to folders included (as volume mounts make). */
async function subfolders(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    const folders = await Promise.all(
      entries.map(async (entry) => {
        if (entry.isDirectory()) return entry.name;
        if (!entry.isSymbolicLink()) return undefined;
        const target = await stat(join(path, entry.name)).catch(() => undefined);
        return target?.isDirectory() ? entry.name : undefined;
      }),
    );
    return folders.filter((name) => name !== undefined);
  } catch {
    return [];
  }
}
