// ESLint (flat config): JavaScript's and typescript-eslint's recommended rules, without type
// information (fast, no tsconfig program). `npm run lint` runs it after prettier --check.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "build/",
      ".cache/",
      ".jupyter/",
      "data/",
      "node_modules/",
      "test/fixtures/",
      "lab/build/",
      "lab/node_modules/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Unused parameters document a signature (an interface's method, a callback's position).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { args: "none", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // tslab hooks require("tslab") to the running kernel's module (src/display/emit.ts).
      "@typescript-eslint/no-require-imports": ["error", { allow: ["^tslab$"] }],
      // The runner strips ANSI colour codes (ESC sequences) from kernel output on purpose.
      "no-control-regex": "off",
    },
  },
  {
    // The project's JupyterLab application runs in the browser.
    files: ["lab/src/**"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Tests poke at loosely typed outputs (MIME bundles, plotly figures); the charts' page
    // script runs inside the browser, where Plotly has no types.
    files: ["test/**", "scripts/figures/render.ts", "scripts/runner/static-images.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "no-regex-spaces": "off" },
  },
);
