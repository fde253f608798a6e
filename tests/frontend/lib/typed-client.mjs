// Builds the typed client (clients/typescript) with its pinned TypeScript:
// the compiler checks the example against the generated types, then emits it
// into the client's `dist` (where Node finds the client's own node_modules).
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const clientDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "clients", "typescript");

/** The URL of a compiled module of the client, e.g. `examples/example.js`. */
export function clientBuild(path) {
  return pathToFileURL(join(clientDir, "dist", path)).href;
}

/** Type-checks and compiles the client; rejects with the compiler's output. */
export function compileClient() {
  return new Promise((resolve, reject) => {
    let out = "";
    const tsc = spawn(process.execPath, [join(clientDir, "node_modules", "typescript", "bin", "tsc"), "-p", clientDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    tsc.stdout.on("data", (d) => (out += d));
    tsc.stderr.on("data", (d) => (out += d));
    tsc.on("exit", (code) => {
      if (code === 0) resolve();
      else reject(Object.assign(new Error("the typed client does not type-check against the generated types"), { log: out.trim().split("\n") }));
    });
  });
}
