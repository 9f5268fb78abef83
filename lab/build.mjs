// npm run build (in lab/): bundles src/index.js and JupyterLab's light theme with esbuild into
// build/, and copies the settings schemas of the extensions it loads. serve.py serves build/.
import * as esbuild from "esbuild";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const out = join(here, "build");
const t0 = Date.now();
rmSync(out, { recursive: true, force: true });

// Node built-ins that some dependencies reach for but never use in the browser.
const emptyBuiltins = {
  name: "empty-builtins",
  setup(build) {
    build.onResolve(
      { filter: /^(fs|url|crypto|buffer|stream|util|os|child_process)$/ },
      (args) => ({ path: args.path, namespace: "empty" }),
    );
    build.onLoad({ filter: /.*/, namespace: "empty" }, () => ({
      contents: "module.exports = {};",
      loader: "js",
    }));
  },
};

// webpack's "~package/file" in CSS @import means a file of an npm package.
const tildeImports = {
  name: "tilde-imports",
  setup(build) {
    build.onResolve({ filter: /^~/ }, (args) =>
      build.resolve(args.path.slice(1), { kind: args.kind, resolveDir: args.resolveDir }),
    );
  },
};

// Some JupyterLab 3.6 stylesheets have @import rules after other rules, which CSS ignores;
// webpack's css-loader hoisted them, so do the same: every @import goes first, in its order.
const hoistImports = {
  name: "hoist-css-imports",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const imports = [];
      const rest = text.replace(/^@import\s+[^;]+;\s*$/gm, (line) => {
        imports.push(line);
        return "";
      });
      return { contents: imports.join("\n") + "\n" + rest, loader: "css" };
    });
  },
};

const assets = {
  ".svg": "text",
  ".woff": "file",
  ".woff2": "file",
  ".ttf": "file",
  ".eot": "file",
  ".png": "file",
  ".gif": "file",
  ".jpg": "file",
};
const common = {
  bundle: true,
  minify: true,
  logLevel: "warning",
  alias: { path: require.resolve("path-browserify") },
  plugins: [emptyBuiltins, tildeImports, hoistImports],
  define: { "process.env.NODE_ENV": '"production"', global: "window" },
};

await esbuild.build({
  ...common,
  entryPoints: { bundle: join(here, "src", "index.js") },
  outdir: join(out, "static"),
  format: "iife",
  platform: "browser",
  target: "es2019",
  inject: [join(here, "src", "process-shim.js")],
  loader: { ".js": "js", ...assets },
});

// The theme: JupyterLab's theme manager loads <themes url>/@jupyterlab/theme-light-extension/index.css.
const themePkg = dirname(require.resolve("@jupyterlab/theme-light-extension/package.json"));
const themePath = JSON.parse(readFileSync(join(themePkg, "package.json"), "utf8")).jupyterlab
  .themePath;
await esbuild.build({
  ...common,
  entryPoints: { index: join(themePkg, themePath) },
  outdir: join(out, "themes", "@jupyterlab", "theme-light-extension"),
  loader: assets,
});

// Settings schemas: <schemas>/<package>/<plugin>.json, with the package's package.json beside them.
const packages = JSON.parse(readFileSync(join(here, "package.json"), "utf8")).dependencies;
let schemas = 0;
for (const name of Object.keys(packages)) {
  const pkgDir = dirname(require.resolve(`${name}/package.json`));
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const schemaDir =
    pkg.jupyterlab && pkg.jupyterlab.schemaDir ? join(pkgDir, pkg.jupyterlab.schemaDir) : null;
  if (!schemaDir || !existsSync(schemaDir)) continue;
  const dest = join(out, "schemas", name);
  mkdirSync(dest, { recursive: true });
  cpSync(schemaDir, dest, { recursive: true });
  writeFileSync(join(dest, "package.json.orig"), JSON.stringify(pkg, null, 2));
  schemas++;
}
console.log(
  `lab/build: bundle, theme and the schemas of ${schemas} packages (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
);
