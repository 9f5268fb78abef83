// A Jupyter server for the front-end tests, started the way a learner would start one but fenced
// off from the user's own Jupyter: config, data (notebook signatures), runtime and kernelspec
// folders all live in a fresh temporary folder; it listens on 127.0.0.1 on a free port with a
// random token; its only kernel is the project's "batchlab" kernelspec (scripts/install-kernel.mjs)
// with BATCHLAB_QUICK=1 in the kernel's environment; the notebooks are copies in a temporary folder
// (the kernel runs from the project root whatever the notebook's folder, see scripts/kernel.cjs).
// JupyterLab and the classic Notebook can share one such home: they then sign notebooks with the
// same secret, so a notebook saved in one opens trusted in the other.

import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { which } from "../../scripts/runner/sign";

export const root = path.resolve(__dirname, "..", "..");

/** notebooks/*.ipynb, in name order: the tests cover whatever notebooks the course has. */
export function courseNotebooks(): string[] {
  const dir = path.join(root, "notebooks");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** True when `python3 -c <code>` succeeds. */
export function pythonCan(code: string): boolean {
  const r = spawnSync("python3", ["-c", code], { stdio: "ignore", timeout: 60000 });
  return r.status === 0;
}

export interface JupyterHome {
  dir: string;
  /** Folder served as the notebook directory. */
  notebooks: string;
  env: NodeJS.ProcessEnv;
}

/** A temporary Jupyter home: config, data, runtime and the project's kernelspec with quick mode on. */
export async function jupyterHome(label: string): Promise<JupyterHome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `batchlab-${label}-`));
  for (const sub of ["config", "data", "runtime", "ipython", "notebooks"])
    fs.mkdirSync(path.join(dir, sub));
  const { writeKernelSpec } = (await import(path.join(root, "scripts", "install-kernel.mjs"))) as {
    writeKernelSpec: (dir: string) => string;
  };
  const specDir = writeKernelSpec(path.join(dir, "kernelspecs"));
  const specFile = path.join(specDir, "kernel.json");
  const spec = JSON.parse(fs.readFileSync(specFile, "utf8")) as Record<string, unknown>;
  spec.env = { BATCHLAB_QUICK: "1" };
  fs.writeFileSync(specFile, JSON.stringify(spec, null, 2));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_CONFIG_DIR: path.join(dir, "config"),
    JUPYTER_DATA_DIR: path.join(dir, "data"),
    JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
    JUPYTER_PATH: path.join(dir, "kernelspecs"),
    IPYTHONDIR: path.join(dir, "ipython"),
    JUPYTER_PLATFORM_DIRS: "0",
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  delete env.NODE_TEST_CONTEXT;
  delete env.BATCHLAB_QUICK; // the kernelspec sets it for the kernel only
  return { dir, notebooks: path.join(dir, "notebooks"), env };
}

export interface JupyterServer {
  /** Base URL, ending in "/". */
  url: string;
  token: string;
  home: JupyterHome;
  /** URL of a path under the server, with the token. */
  at(p: string): string;
  /** The server's log so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts `argv` (a Jupyter server command; "{port}" and "{token}" are filled in) in `home`, and
 * waits until its REST API answers with the token.
 */
export async function startServer(
  home: JupyterHome,
  argv: string[],
  timeoutMs = 120000,
): Promise<JupyterServer> {
  const port = await freePort();
  const token = crypto.randomBytes(24).toString("hex");
  const args = argv.map((a) => a.replace("{port}", String(port)).replace("{token}", token));
  let log = "";
  const child: ChildProcess = spawn(args[0], args.slice(1), {
    cwd: home.notebooks,
    env: home.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stop() ends the server and the kernels it started
  });
  endsWithThisProcess(child.pid!, home.dir);
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  let exited: string | null = null;
  child.on("exit", (code, signal) => {
    exited = `exited with ${signal ?? code}`;
    liveServers.delete(child.pid!);
  });
  const url = `http://127.0.0.1:${port}/`;
  const at = (p: string) =>
    `${url}${p.replace(/^\//, "")}${p.includes("?") ? "&" : "?"}token=${token}`;
  const t0 = Date.now();
  for (;;) {
    if (exited) throw new Error(`the Jupyter server ${exited}:\n${log}`);
    try {
      const r = await fetch(at("api/status"));
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > timeoutMs) {
      stopGroup(child);
      throw new Error(`the Jupyter server did not answer within ${timeoutMs / 1000} s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    token,
    home,
    at,
    log: () => log,
    stop: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => stopGroup(child), 10000);
      await gone;
      clearTimeout(timer);
      stopGroup(child); // kernels the server left behind
    },
  };
}

/**
 * The servers still running (process group → Jupyter home). The servers run detached (their own
 * groups, so that stop() can signal them and what they started), which also means that nothing
 * ends them when this process is stopped (Ctrl-C, a CI time-out's SIGTERM): this does, on exit and
 * on those signals. A server ends its kernels when it gets SIGTERM, but not when it is killed, and
 * Jupyter starts each kernel in a session of its own: the kernels are found by their connection
 * files, which lie in the home, and killed too.
 */
const liveServers = new Map<number, string>();
let cleanupInstalled = false;

function endsWithThisProcess(group: number, homeDir: string): void {
  liveServers.set(group, homeDir);
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const endAll = () => {
    for (const [g, dir] of liveServers) {
      try {
        process.kill(-g, "SIGTERM");
      } catch {
        // already gone
      }
      killProcessesNaming(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    liveServers.clear();
  };
  process.on("exit", endAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.once(signal, () => {
      endAll();
      process.kill(process.pid, signal); // then the signal's usual end
    });
}

/** The processes whose command line contains `text` (Linux /proc; none elsewhere). */
export function processesNaming(text: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  return names.map(Number).filter((pid) => {
    try {
      return pid !== process.pid && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text);
    } catch {
      return false; // ended meanwhile
    }
  });
}

/** SIGKILL to every process whose command line names `text`. */
function killProcessesNaming(text: string): void {
  for (const pid of processesNaming(text)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone, or not ours
    }
  }
}

function stopGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Shuts down the kernel sessions of the server (each opened notebook starts one); only those of `notebookPath` when given. */
export async function closeSessions(server: JupyterServer, notebookPath?: string): Promise<void> {
  const r = await fetch(server.at("api/sessions"));
  if (!r.ok) return;
  const sessions = (await r.json()) as Array<{
    id: string;
    path?: string;
    notebook?: { path: string };
  }>;
  for (const s of sessions) {
    const p = s.path ?? s.notebook?.path;
    if (notebookPath === undefined || p === notebookPath)
      await fetch(server.at(`api/sessions/${s.id}`), { method: "DELETE" });
  }
}

/** The classic Notebook's command, when it is installed. */
export function classicNotebookCommand(): string | null {
  return which("jupyter-notebook");
}

/** Whether uid 0 (CI containers): Jupyter refuses to run as root unless told. */
export const asRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** A Python 3 that can import jupyterlab_server and jupyter_server (Debian's, when `python3` is another). */
export function labPython(): string | null {
  for (const py of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(py, ["-c", "import jupyterlab_server, jupyter_server"], {
      stdio: "ignore",
      timeout: 60000,
    });
    if (r.status === 0) return py;
  }
  return null;
}

/** The Debian packages test/lab needs (bash .ci/run installs them). */
export const LAB_PACKAGES = [
  "jupyter-notebook",
  "python3-jupyterlab-server",
  "python3-jupyter-server",
  "libjs-mathjax",
  "chromium",
];

/**
 * Why test/lab cannot run here, with the exact commands that make it run, or null when it can.
 * `chromium` is whether a Chromium was found.
 */
export function labMissing(chromium: boolean): string | null {
  const missing: string[] = [];
  if (!classicNotebookCommand()) missing.push("jupyter-notebook");
  if (!labPython()) missing.push("python3-jupyterlab-server", "python3-jupyter-server");
  if (
    !fs.existsSync("/usr/share/javascript/mathjax/MathJax.js") &&
    !process.env.BATCHLAB_MATHJAX_DIR
  )
    missing.push("libjs-mathjax");
  if (!chromium) missing.push("chromium");
  const built = fs.existsSync(path.join(root, "lab", "build", "static", "bundle.js"));
  const reasons: string[] = [];
  const steps: string[] = [];
  if (missing.length > 0) {
    reasons.push(`missing ${missing.join(", ")}`);
    steps.push(`sudo apt-get install ${missing.join(" ")}`);
  }
  if (!built) {
    reasons.push("lab/ not built");
    steps.push("npm ci --prefix lab && npm run build --prefix lab");
  }
  if (steps.length === 0) return null;
  return `${reasons.join("; ")}: run ${steps.join(" && ")} (bash .ci/run does this), then npm run test:lab`;
}

/** The course's JupyterLab (lab/serve.py) on `home`: plotly renderer on; a page adds ?plotly=off for it off. */
export function startLab(home: JupyterHome): Promise<JupyterServer> {
  return startServer(home, [
    labPython()!,
    path.join(root, "lab", "serve.py"),
    "--no-browser",
    "--ip=127.0.0.1",
    "--port={port}",
    "--port-retries=0",
    "--ServerApp.token={token}",
    `--ServerApp.root_dir=${home.notebooks}`,
    ...(asRoot ? ["--allow-root"] : []),
  ]);
}

/** The classic Notebook server on `home`. */
export function startClassic(home: JupyterHome): Promise<JupyterServer> {
  return startServer(home, [
    classicNotebookCommand()!,
    "--no-browser",
    "--ip=127.0.0.1",
    "--port={port}",
    "--port-retries=0",
    "--NotebookApp.token={token}",
    `--notebook-dir=${home.notebooks}`,
    ...(asRoot ? ["--allow-root"] : []),
  ]);
}
