// The typed client's example (clients/typescript/examples/example.ts, compiled
// by run.mjs with the client's pinned tsc) against a running server:
// `node typed-client.mjs` with API_DOMAIN and MAIL_DIR set. Every answer is
// checked against the server's own OpenAPI document and every WebSocket frame
// against `WsServerFrame` (clients/typescript/test/contract.ts), so the run
// fails when the server and the generated types disagree.
import { mailToken } from "./lib/mail.mjs";
import { clientBuild } from "./lib/typed-client.mjs";

const apiDomain = process.env.API_DOMAIN;
const mailDir = process.env.MAIL_DIR;
if (!apiDomain || !mailDir) throw new Error("API_DOMAIN and MAIL_DIR must be set (run.mjs sets them)");
if (typeof WebSocket === "undefined") throw new Error("no WebSocket in this Node: run with --experimental-websocket");

const { runExample } = await import(clientBuild("examples/example.js"));
const { loadContract } = await import(clientBuild("test/contract.js"));

const started = Date.now();
const log = [];
const contract = await loadContract(apiDomain);
try {
  await runExample({
    baseUrl: apiDomain,
    verificationToken: (email) => mailToken(mailDir, email, "verify-email", 1),
    middleware: [contract.middleware],
    onServerFrame: (text) => contract.checkServerFrame(text),
    log: (line) => log.push(`typed-client: ${line}`),
  });
} catch (e) {
  console.log(log.join("\n"));
  console.error(e);
  process.exit(1);
}
const { answers, frames } = contract.checked;
if (answers < 8 || frames < 4) throw new Error(`only ${answers} answers and ${frames} frames were checked`);
log.push(`typed-client: ${answers} answers and ${frames} frames match the document (${Date.now() - started} ms)`);
console.log(log.join("\n"));
