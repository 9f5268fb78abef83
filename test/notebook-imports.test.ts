// Every name a notebook imports from "./src/index" is exported there. tsc does not read the
// notebooks, and a name missing from a folder's explicit export list fails only inside the kernel,
// at the notebook's first cell; this reads the exports with TypeScript's own checker (values and
// types alike) and the notebooks' import lists, and names what is missing.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";
import { root } from "./helpers/run";

/** The names src/index.ts exports, values and types. */
function libraryExports(): Set<string> {
  const entry = path.join(root, "src", "index.ts");
  const program = ts.createProgram([entry], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const symbol = source && checker.getSymbolAtLocation(source);
  assert.ok(symbol, "src/index.ts is a module");
  return new Set(checker.getExportsOfModule(symbol).map((s) => s.getName()));
}

/** Each notebook's names imported from "./src/index" ("type X" read as X). */
function notebookImports(): Map<string, string[]> {
  const dir = path.join(root, "notebooks");
  const out = new Map<string, string[]>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb"))) {
    const cells = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")).cells as {
      cell_type: string;
      source: string[];
    }[];
    const names: string[] = [];
    for (const cell of cells.filter((c) => c.cell_type === "code")) {
      for (const m of cell.source
        .join("")
        .matchAll(/import\s*\{([^}]*)\}\s*from\s*"\.\/src\/index"/g)) {
        names.push(
          ...m[1]
            .split(",")
            .map((s) => s.trim().replace(/^type\s+/, ""))
            .filter((s) => s !== ""),
        );
      }
    }
    out.set(file, names);
  }
  return out;
}

test("every name a notebook imports from ./src/index is exported there", () => {
  const exported = libraryExports();
  assert.ok(exported.size > 100, `src/index.ts exports ${exported.size} names`);
  const imports = notebookImports();
  assert.ok(imports.size > 0, "notebooks/*.ipynb");
  const missing = [...imports].flatMap(([file, names]) =>
    names.filter((n) => !exported.has(n)).map((n) => `${file}: ${n}`),
  );
  assert.deepEqual(missing, [], "add these to their folder's index.ts");
});
