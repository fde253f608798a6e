// Spawns the server binary on a free port with its own data directory.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function startServer({ corsOrigins }) {
  const bin = process.env.P2P_SERVER_BIN;
  if (!bin || !existsSync(bin)) {
    throw new Error(`P2P_SERVER_BIN must name the built server binary (got ${bin}); run through \`cargo xtask test\``);
  }
  const dataDir = mkdtempSync(join(tmpdir(), "p2p-frontend-"));
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    RUST_LOG: process.env.RUST_LOG || "warn",
    P2P_HOST: "127.0.0.1",
    P2P_PORT: String(port),
    P2P_DATA_DIR: dataDir,
    P2P_CORS_ORIGINS: corsOrigins.join(","),
    P2P_ACCESS_TOKEN_TTL_SECS: "30",
    P2P_REQUIRE_EMAIL_VERIFICATION: "true",
    P2P_WORKERS: "2",
  };
  const child = spawn(bin, [], { env, stdio: ["ignore", "inherit", "inherit"] });
  let exited = null;
  child.on("exit", (code) => {
    exited = code;
  });
  // Never leave a server behind, even when the runner dies.
  process.on("exit", () => child.kill("SIGKILL"));
  const base = `http://localhost:${port}`;
  for (let i = 0; i < 600; i++) {
    if (exited !== null) throw new Error(`the server exited with ${exited} before it was ready`);
    try {
      const r = await fetch(`${base}/health/live`);
      if (r.ok) break;
    } catch (_) {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
    if (i === 599) throw new Error("the server did not become ready in 60 s");
  }
  return {
    apiDomain: base,
    mailDir: join(dataDir, "mail"),
    async stop() {
      if (exited === null) {
        const done = new Promise((r) => child.on("exit", r));
        child.kill("SIGTERM");
        await done;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
