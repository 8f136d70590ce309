// Runs inside each inference worker thread: TensorFlow.js keeps one backend per thread.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

export interface BackendChoice {
  name: BackendName;
  /** WebAssembly SIMD in use (wasm backend only). */
  simd: boolean;
  /** Why faster backends were passed over, for the log. */
  skipped: string[];
}

export interface BackendOptions {
  preference: BackendPreference;
  /** Folder holding the .wasm binaries; defaults to the one inside @tensorflow/tfjs-backend-wasm. */
  wasmDir?: string | undefined;
}

// Fastest first. tfjs-node is an optional dependency: absent (or without its native library) here.
const AUTO_ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
// A variable, so the type checker does not try to resolve a package that may not be installed.
const TFJS_NODE = '@tensorflow/tfjs-node';

/**
 * Starts the fastest backend that works in this thread: tfjs-node, else wasm, else cpu. An explicit
 * preference is the only candidate, so a misconfigured pod fails loudly instead of running slowly.
 */
export async function initBackend({ preference, wasmDir }: BackendOptions): Promise<BackendChoice> {
  tf.enableProdMode(); // skips per-op debug checks and the "install tfjs-node" console banner
  const skipped: string[] = [];
  for (const name of preference === 'auto' ? AUTO_ORDER : [preference]) {
    const failure = await tryBackend(name, wasmDir);
    if (failure === undefined) {
      const simd = name === 'wasm' && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      return { name, simd, skipped };
    }
    skipped.push(`${name}: ${failure}`);
  }
  throw new Error(`no TensorFlow.js backend could start (${skipped.join('; ')})`);
}

/** Undefined when the backend is now active, else why it is not. */
async function tryBackend(
  name: BackendName,
  wasmDir: string | undefined,
): Promise<string | undefined> {
  if (name === 'tensorflow') {
    try {
      await import(TFJS_NODE);
    } catch (error) {
      return firstLine(error);
    }
  }
  if (name === 'wasm' && wasmDir !== undefined)
    setWasmPaths(wasmDir.endsWith('/') ? wasmDir : `${wasmDir}/`);
  const output = captureConsole();
  const listeners = processListeners();
  try {
    if (await tf.setBackend(name)) return undefined;
    return output.lines[0] ?? 'the backend failed to initialise';
  } catch (error) {
    return firstLine(error);
  } finally {
    output.release();
    // The wasm runtime (Emscripten) adds uncaughtException/unhandledRejection listeners that
    // rethrow, so any later unhandled rejection would exit the process with code 7.
    listeners.removeAdded();
  }
}

/**
 * Collects what the runtime prints while a backend starts (Emscripten reports a missing .wasm file
 * on stderr) so it reaches the JSON log as one line instead of raw text. Writers bound during
 * start-up keep working afterwards and go to the real console.
 */
function captureConsole() {
  const lines: string[] = [];
  let capturing = true;
  const originals = { warn: console.warn, error: console.error, log: console.log };
  for (const method of ['warn', 'error', 'log'] as const) {
    console[method] = (...args: unknown[]) => {
      if (capturing) lines.push(args.map(String).join(' '));
      else originals[method](...args);
    };
  }
  return {
    lines,
    release() {
      capturing = false;
      Object.assign(console, originals);
    },
  };
}

function processListeners() {
  const uncaught = new Set(process.listeners('uncaughtException'));
  const unhandled = new Set(process.listeners('unhandledRejection'));
  return {
    removeAdded() {
      for (const listener of process.listeners('uncaughtException')) {
        if (!uncaught.has(listener)) process.removeListener('uncaughtException', listener);
      }
      for (const listener of process.listeners('unhandledRejection')) {
        if (!unhandled.has(listener)) process.removeListener('unhandledRejection', listener);
      }
    },
  };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
