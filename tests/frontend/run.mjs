// `npm test` (cargo xtask test runs it): starts the server (P2P_SERVER_BIN),
// then runs the SDK flows at once in Node (header and cookie mode, one
// process each: the SDK is a per-page singleton) and in headless Chromium
// (cookie and header mode, page on its own origin), and the typed client's
// example (type-checked and compiled first). Exits non-zero when any fails.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, freePort } from "./lib/server.mjs";
import { servePage, runInChromium, chromiumPath } from "./browser-suite.mjs";
import { compileClient } from "./lib/typed-client.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const pagePort = await freePort();
const pageOrigin = `http://localhost:${pagePort}`;
const page = await servePage(pagePort);
const servers = [];

// One server per suite: the per-IP rate limits (sign-ups, resets) are shared
// by every client on this machine.
async function withServer(run) {
  const server = await startServer({ corsOrigins: [pageOrigin] });
  servers.push(server);
  return run(server);
}

// A Node script of this directory against `server`; resolves with its output lines.
function nodeScript(server, args, label) {
  return new Promise((resolve, reject) => {
    let out = "";
    const child = spawn(process.execPath, args, {
      env: { ...process.env, API_DOMAIN: server.apiDomain, MAIL_DIR: server.mailDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => {
      const log = out.trim().split("\n");
      if (code === 0) resolve(log);
      else reject(Object.assign(new Error(`${label} failed`), { log }));
    });
  });
}

function nodeSuite(server, mode) {
  return nodeScript(server, [join(here, "node-suite.mjs"), mode], `node ${mode} suite`);
}

// Node 20 has WebSocket behind a flag (on by default from Node 22).
const websocketFlag = typeof WebSocket === "undefined" ? ["--experimental-websocket"] : [];

async function typedClient(server) {
  const started = Date.now();
  await compileClient();
  const compiled = `typed-client: type-checked and compiled in ${Date.now() - started} ms`;
  return [compiled, ...(await nodeScript(server, [...websocketFlag, join(here, "typed-client.mjs")], "typed client example"))];
}

const suites = {
  "node header": () => withServer((s) => nodeSuite(s, "header")),
  "node cookie": () => withServer((s) => nodeSuite(s, "cookie")),
  "chromium cookie": () =>
    withServer((s) => runInChromium({ apiDomain: s.apiDomain, mailDir: s.mailDir, pageOrigin, mode: "cookie" })),
  "chromium header": () =>
    withServer((s) => runInChromium({ apiDomain: s.apiDomain, mailDir: s.mailDir, pageOrigin, mode: "header" })),
  "typed client": () => withServer(typedClient),
};
// `node run.mjs [suite name]...` runs the named suites only.
const selected = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(suites);
for (const name of selected) {
  if (!suites[name]) throw new Error(`no suite named ${name} (suites: ${Object.keys(suites).join(", ")})`);
}
if (selected.some((name) => name.startsWith("chromium"))) chromiumPath();
const results = await Promise.allSettled(selected.map((name) => suites[name]()));
let failed = 0;
selected.forEach((name, i) => {
  const r = results[i];
  if (r.status === "fulfilled") {
    console.log(r.value.join("\n"));
  } else {
    failed += 1;
    if (r.reason && r.reason.log) console.log(r.reason.log.join("\n"));
    console.error(`suite ${name} failed: ${r.reason && r.reason.message ? r.reason.message : r.reason}`);
  }
});
page.close();
await Promise.all(servers.map((s) => s.stop()));
if (failed > 0) {
  console.error(`${failed} frontend suite(s) failed`);
  process.exit(1);
}
console.log("all frontend suites passed");
