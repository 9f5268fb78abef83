// Command-line options for the project's commands (the runner, figures, the benchmark), read by
// node:util parseArgs in strict mode: an unknown option or a missing value is an error that names
// the option, never silently ignored.

import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in the command line: the command prints it with its usage and exits 2. */
export class UsageError extends Error {}

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

export interface CommandLine<T extends OptionsConfig> {
  values: ReturnType<
    typeof parseArgs<{ options: T; allowPositionals: true; tokens: true }>
  >["values"];
  positionals: string[];
  /** The option names in the order given (for pairs like --quick/--full where the last one wins). */
  order: string[];
}

export function parseCommandLine<T extends OptionsConfig>(
  argv: string[],
  options: T,
  allowPositionals = false,
): CommandLine<T> {
  try {
    const { values, positionals, tokens } = parseArgs({
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
    if (!allowPositionals && positionals.length > 0)
      throw new UsageError(`unexpected argument ${positionals[0]}`);
    const order = tokens.flatMap((t) => (t.kind === "option" ? [t.name] : []));
    return { values, positionals, order };
  } catch (e) {
    const code = (e as { code?: string }).code;
    const flag = /'(-[^' ]+)/.exec((e as Error).message)?.[1] ?? "";
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown option ${flag}`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const takesValue = options[flag.replace(/^-+/, "")]?.type === "string";
      throw new UsageError(takesValue ? `${flag} needs a value` : `${flag} takes no value`);
    }
    throw e;
  }
}

/** Which of two opposite flags (e.g. quick and full) was given last, or undefined if neither. */
export function lastOf(order: string[], yes: string, no: string): boolean | undefined {
  const i = order.lastIndexOf(yes);
  const j = order.lastIndexOf(no);
  return i < 0 && j < 0 ? undefined : i > j;
}
