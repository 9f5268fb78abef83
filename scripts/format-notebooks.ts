// Formats the notebooks' code cells with prettier (as TypeScript, the project's .prettierrc.json),
// the way `npm run format` formats the .ts files. Markdown cells and outputs are left alone.
//
//   tsx scripts/format-notebooks.ts [--check] [notebook.ipynb ...]   (default: notebooks/*.ipynb)
//
// --check writes nothing and exits 1 when a cell would change. A cell prettier cannot parse is
// named and left as it is (exit 1): tslab's TypeScript, not prettier's, is the judge of a cell.

import * as fs from "fs";
import * as path from "path";
import * as prettier from "prettier";
import { parseCommandLine, UsageError } from "./args";
import { joinSource, type Notebook } from "./runner/nbformat";

const root = path.resolve(__dirname, "..");

/** Jupyter's layout of a cell's source: lines that keep their "\n", the last without one. */
function splitSource(text: string): string[] {
  return text === "" ? [] : text.split(/(?<=\n)/);
}

export interface CellReport {
  cell: number;
  /** "changed" (or would change, with --check) or the parse error. */
  status: "changed" | { error: string };
}

/** Formats one notebook's code cells in place (in memory); returns what changed. */
export async function formatNotebook(
  nb: Notebook,
  options: prettier.Options,
): Promise<CellReport[]> {
  const reports: CellReport[] = [];
  for (const [i, cell] of nb.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    const source = joinSource(cell.source);
    if (source.trim() === "") continue;
    let formatted: string;
    try {
      formatted = (await prettier.format(source, { ...options, parser: "typescript" })).replace(
        /\n$/,
        "",
      );
    } catch (e) {
      reports.push({ cell: i + 1, status: { error: (e as Error).message.split("\n")[0] } });
      continue;
    }
    if (formatted !== source) {
      cell.source = splitSource(formatted);
      reports.push({ cell: i + 1, status: "changed" });
    }
  }
  return reports;
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCommandLine(argv, { check: { type: "boolean" } }, true);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(
      `${e.message}\nusage: tsx scripts/format-notebooks.ts [--check] [notebook.ipynb ...]`,
    );
    return 2;
  }
  const check = args.values.check ?? false;
  const dir = path.join(root, "notebooks");
  const files = args.positionals.length
    ? args.positionals.map((f) => path.resolve(f))
    : fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".ipynb"))
        .sort()
        .map((f) => path.join(dir, f));
  const options = (await prettier.resolveConfig(path.join(root, "package.json"))) ?? {};
  let bad = 0;
  for (const file of files) {
    const nb = JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;
    const reports = await formatNotebook(nb, options);
    const name = path.relative(root, file);
    for (const r of reports) {
      if (r.status === "changed") {
        if (check) console.log(`${name}: cell ${r.cell} is not formatted`);
      } else console.error(`${name}: cell ${r.cell} not parsed by prettier: ${r.status.error}`);
    }
    const changed = reports.filter((r) => r.status === "changed").length;
    const errors = reports.length - changed;
    bad += errors + (check ? changed : 0);
    // Jupyter's own layout: one-space indent, a final newline.
    if (!check && changed > 0) {
      fs.writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");
      console.log(`${name}: ${changed} code cells formatted`);
    }
  }
  return bad > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exit(1);
    },
  );
}
