// The package as an app gets it: `npm pack` of this repository (what the
// "files" of package.json publish, a fresh build first), unpacked into the
// node_modules of a temporary app, next to links to this repository's own
// dependencies (xstate, engine.io-client, the bundlers...). Without
// `withStately`, the optional peer @statelyai/inspect is not there.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll } from "vitest";
import { ensureBuild, root } from "../browser/harness.js";
import { startEchoServer, type EchoServer } from "./servers.js";

export const packageName = "socket.io-client-xstate";

export interface PackedApp {
  /** The app's directory: its node_modules holds the package. */
  dir: string;
  remove(): void;
}

const run = promisify(execFile);

export async function packedApp(options: { withStately: boolean }): Promise<PackedApp> {
  await ensureBuild();
  const dir = mkdtempSync(join(tmpdir(), "sioxs-app-"));
  try {
    const modules = join(dir, "node_modules");
    const installed = join(modules, packageName);
    mkdirSync(installed, { recursive: true });
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    if (!packed) throw new Error(`npm pack printed no file: ${stdout}`);
    await run("tar", ["-xzf", join(dir, packed.filename), "-C", installed, "--strip-components=1"]);
    for (const name of readdirSync(join(root, "node_modules"))) {
      if (name.startsWith(".") || name === packageName || (name === "@statelyai" && !options.withStately)) continue;
      symlinkSync(join(root, "node_modules", name), join(modules, name), "dir");
    }
    return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export interface NodeRun {
  stdout: string;
  stderr: string;
  /** The last line of stdout, parsed as JSON (the programs print their report last). */
  report: unknown;
}

/**
 * Runs `node ...args` in the app's directory. It must exit by itself with
 * code 0: a process still running after 10 s has something left running (an
 * open socket, a timer), which is what these tests look for.
 */
export function runNode(app: PackedApp, args: string[], env: Record<string, string> = {}): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: app.dir, timeout: 10_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error) {
        const why = error.killed ? "did not exit within 10 s (something left running)" : `exited with ${error.code}`;
        return reject(new Error(`node ${args.join(" ").slice(0, 80)} ${why}\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
      const lastLine = stdout.trim().split("\n").at(-1) ?? "";
      let report: unknown;
      try {
        report = JSON.parse(lastLine);
      } catch {
        return reject(new Error(`node printed no report\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
      resolve({ stdout, stderr, report });
    });
  });
}

/**
 * For a test file: an echo server, and the package packed into two apps, one
 * with the optional peer @statelyai/inspect and one without; all removed after the file.
 */
export function usePackedApps() {
  const state: { server?: EchoServer; bare?: PackedApp; full?: PackedApp } = {};
  beforeAll(async () => {
    state.server = await startEchoServer();
    [state.bare, state.full] = await Promise.all([packedApp({ withStately: false }), packedApp({ withStately: true })]);
  }, 180_000);
  afterAll(async () => {
    state.bare?.remove();
    state.full?.remove();
    await state.server?.close();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`usePackedApps(): ${what} is not ready (its beforeAll failed)`);
    return value;
  };
  return {
    get server(): EchoServer {
      return ready(state.server, "the echo server");
    },
    /** Without @statelyai/inspect. */
    get bare(): PackedApp {
      return ready(state.bare, "the app without @statelyai/inspect");
    },
    get full(): PackedApp {
      return ready(state.full, "the app with @statelyai/inspect");
    },
  };
}
