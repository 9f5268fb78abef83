// TensorFlow.js runs on whichever backend this machine can load, and a timing means nothing
// without the name of the backend that produced it: the native TensorFlow binding, the
// WebAssembly (XNNPACK) kernels and the plain-JavaScript cpu kernels differ by up to 50× on the
// same matrix product. loadTfjs walks a fallback chain and remembers what it picked, so every
// printed or plotted timing can say "(wasm)" next to the number.
//
// The chain, fastest first:
//   tensorflow  @tensorflow/tfjs-node, an optional dependency whose installer downloads
//               libtensorflow; it is missing wherever that download failed or was not allowed.
//   wasm        @tensorflow/tfjs + @tensorflow/tfjs-backend-wasm (SIMD, one thread in Node).
//   cpu         @tensorflow/tfjs alone: always there, slowest.

import type * as TfModule from "@tensorflow/tfjs";
import { BatchlabArgumentError } from "../util/validate";
import { formatSeconds } from "../util/format";

export type Tfjs = typeof TfModule;
export type BackendName = "tensorflow" | "wasm" | "cpu";
export const BACKEND_NAMES: readonly BackendName[] = ["tensorflow", "wasm", "cpu"];

/** One step of the chain: how to obtain tfjs with this backend active. */
export interface BackendLoader {
  readonly name: BackendName;
  /** Resolves to the tfjs namespace with this backend set and ready; rejects when it cannot. */
  load(): Promise<Tfjs>;
}

export interface BackendAttempt {
  name: BackendName;
  /** Why this backend was not used; absent for the one that loaded. */
  error?: string;
}

export interface LoadedTfjs {
  tf: Tfjs;
  backend: BackendName;
  /** Every backend tried, in order, the last one being the one that loaded. */
  tried: BackendAttempt[];
}

export interface LoadTfjsOptions {
  /** Try this backend first (then the rest of the chain in its usual order). */
  prefer?: BackendName;
  /** Replace the chain (tests inject failing loaders here). Default: defaultLoaders(). */
  loaders?: readonly BackendLoader[];
}

async function activate(tf: Tfjs, name: BackendName): Promise<Tfjs> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name)
    throw new Error(`tf.setBackend("${name}") did not activate it`);
  return tf;
}

/** The real chain: tfjs-node, then wasm, then cpu. */
export function defaultLoaders(): BackendLoader[] {
  return [
    {
      name: "tensorflow",
      load: async () => {
        // The native binding registers the "tensorflow" backend as a side effect of loading.
        const tf = (await import("@tensorflow/tfjs-node" as string)) as Tfjs;
        return activate(tf, "tensorflow");
      },
    },
    {
      name: "wasm",
      load: async () => {
        const tf = await import("@tensorflow/tfjs");
        await import("@tensorflow/tfjs-backend-wasm");
        return activate(tf, "wasm");
      },
    },
    {
      name: "cpu",
      load: async () => {
        const tf = await import("@tensorflow/tfjs");
        // The cpu backend's first use prints an advert for tfjs-node; describeBackends() already
        // says why that binding is not in use, so production mode (which mutes it) is enough.
        tf.enableProdMode();
        return activate(tf, "cpu");
      },
    },
  ];
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0];
}

let active: LoadedTfjs | undefined;

/**
 * Load tfjs on the fastest backend that works here. Rejects only when every loader failed, with
 * each loader's reason in the message.
 */
export async function loadTfjs(options: LoadTfjsOptions = {}): Promise<LoadedTfjs> {
  let loaders = [...(options.loaders ?? defaultLoaders())];
  if (options.prefer !== undefined) {
    if (!BACKEND_NAMES.includes(options.prefer)) {
      throw new BatchlabArgumentError(
        "prefer",
        options.prefer,
        `one of ${BACKEND_NAMES.map((b) => `"${b}"`).join(", ")}`,
      );
    }
    const first = loaders.filter((l) => l.name === options.prefer);
    loaders = [...first, ...loaders.filter((l) => l.name !== options.prefer)];
  }
  const tried: BackendAttempt[] = [];
  for (const loader of loaders) {
    try {
      const tf = await loader.load();
      tried.push({ name: loader.name });
      active = { tf, backend: loader.name, tried };
      return active;
    } catch (error) {
      tried.push({ name: loader.name, error: message(error) });
    }
  }
  throw new Error(
    `no TensorFlow.js backend could be loaded: ${tried.map((t) => `${t.name}: ${t.error}`).join("; ")}`,
  );
}

/** The backend tfjs is running on now ("none" before loadTfjs succeeded). */
export function backendName(): BackendName | "none" {
  if (!active) return "none";
  // Read it live: a notebook may have called tf.setBackend itself since loading.
  const live = active.tf.getBackend();
  return (BACKEND_NAMES as readonly string[]).includes(live)
    ? (live as BackendName)
    : active.backend;
}

/** One line per backend tried: "tensorflow: unavailable (Cannot find module …)", "wasm: active". */
export function describeBackends(loaded: LoadedTfjs): string {
  return loaded.tried
    .map((t) => `${t.name}: ${t.error === undefined ? "active" : `unavailable (${t.error})`}`)
    .join("\n");
}

/** "12.4 ms (wasm)": a timing always travels with the engine or backend that produced it. */
export function formatTiming(seconds: number, backend: string = backendName()): string {
  return `${formatSeconds(seconds)} (${backend})`;
}
