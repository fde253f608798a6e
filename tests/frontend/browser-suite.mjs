// The flows in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core; no browser download). The page and the SDK's own bundles
// are served from a different origin than the API, so CORS, the exposed
// headers and the cookie paths are exercised by a real browser.
import { createServer } from "node:http";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { mailToken } from "./lib/mail.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const bundleDir = join(here, "node_modules", "supertokens-web-js", "bundle");
// Load order: the webpack runtime (website), the core, then the recipes.
const BUNDLES = ["website", "supertokens", "session", "emailpassword", "emailverification"];

function bundleFile(name) {
  const file = readdirSync(bundleDir).find((f) => f.startsWith(`${name}.`) && f.endsWith(".js"));
  if (!file) throw new Error(`supertokens-web-js has no ${name} bundle in ${bundleDir}`);
  return join(bundleDir, file);
}

export function chromiumPath() {
  const path = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!existsSync(path)) throw new Error(`no Chromium at ${path}: install Debian's chromium package (cargo xtask services up does)`);
  return path;
}

/** Serves the test page on `port` (its own origin). */
export function servePage(port) {
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>P2P FDI test</title>
${BUNDLES.map((b) => `<script src="/sdk/${b}.js"></script>`).join("\n")}
<script src="/flows.js"></script></head><body>P2P FDI test page</body></html>`;
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const sdk = path.match(/^\/sdk\/([a-z]+)\.js$/);
    if (path === "/" || path === "/auth" || path === "/auth/") {
      res.writeHead(200, { "content-type": "text/html" }).end(page);
    } else if (path === "/flows.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(readFileSync(join(here, "flows.js")));
    } else if (sdk && BUNDLES.includes(sdk[1])) {
      res.writeHead(200, { "content-type": "text/javascript" }).end(readFileSync(bundleFile(sdk[1])));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/** Runs the flows in one page in `mode`; resolves to the log, rejects on failure. */
export async function runInChromium({ apiDomain, mailDir, pageOrigin, mode }) {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleLines = [];
    page.on("console", (m) => consoleLines.push(`[page ${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => consoleLines.push(`[page error] ${e.message}`));
    const refreshUrl = `${apiDomain}/auth/session/refresh`;
    await page.exposeFunction("p2pMailToken", (email, path, count) => mailToken(mailDir, email, path, count));
    await page.exposeFunction("p2pCookieRefreshToken", async () => {
      const cookies = await context.cookies(refreshUrl);
      return cookies.find((c) => c.name === "sRefreshToken")?.value;
    });
    await page.exposeFunction("p2pReplayRefresh", async (token) => {
      const headers = { rid: "session", "st-auth-mode": mode };
      if (mode === "header") headers.authorization = `Bearer ${token}`;
      else headers.cookie = `sRefreshToken=${token}`;
      const response = await fetch(refreshUrl, { method: "POST", headers });
      return { status: response.status, body: await response.json() };
    });
    await page.goto(`${pageOrigin}/auth`);
    const result = await page.evaluate(
      async ({ apiDomain, mode }) => {
        const unwrap = (m) => (m && m.default ? m.default : m);
        const frontendCookie = (name) => {
          const part = `; ${document.cookie}`.split(`; ${name}=`);
          return part.length >= 2 ? part.pop().split(";")[0] : undefined;
        };
        const ctx = {
          st: {
            SuperTokens: unwrap(window.supertokens),
            Session: unwrap(window.supertokensSession),
            EmailPassword: unwrap(window.supertokensEmailPassword),
            EmailVerification: unwrap(window.supertokensEmailVerification),
          },
          apiDomain,
          mode,
          label: `chromium-${mode}`,
          mailToken: (email, path, count) => window.p2pMailToken(email, path, count),
          setSearch: (search) => history.replaceState(null, "", location.pathname + search),
          currentRefreshToken: async () =>
            mode === "header" ? frontendCookie("st-refresh-token") : window.p2pCookieRefreshToken(),
          replayRefresh: (token) => window.p2pReplayRefresh(token),
        };
        try {
          return { ok: true, log: await window.p2pFlows(ctx) };
        } catch (e) {
          return { ok: false, log: e.log || [], message: String(e && e.message ? e.message : e) };
        }
      },
      { apiDomain, mode },
    );
    if (!result.ok) {
      const error = new Error(`${result.message}\n${consoleLines.slice(-20).join("\n")}`);
      error.log = result.log;
      throw error;
    }
    return result.log;
  } finally {
    await browser.close();
  }
}
