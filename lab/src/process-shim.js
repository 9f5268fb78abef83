// A minimal `process` for dependencies that read process.env or process.cwd() in the browser.
export const process = {
  env: { NODE_ENV: "production" },
  cwd: () => "/",
  platform: "browser",
  argv: [],
  version: "",
  versions: {},
  nextTick: (f, ...a) => Promise.resolve().then(() => f(...a)),
};
