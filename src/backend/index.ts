// TensorFlow.js and the backend it runs on.

// Backend selection and TensorFlow.js training
export {
  defaultLoaders,
  loadTfjs,
  backendName,
  describeBackends,
  formatTiming,
  BACKEND_NAMES,
  type Tfjs,
  type BackendName,
  type BackendLoader,
  type BackendAttempt,
  type LoadedTfjs,
  type LoadTfjsOptions,
} from "./tfjs";
