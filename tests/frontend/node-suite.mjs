// One Node run of the flows: `node node-suite.mjs <header|cookie>` with
// API_DOMAIN and MAIL_DIR set (run.mjs starts the server). jsdom is the DOM
// shim; in cookie mode `fetch` keeps a cookie jar like a browser does.
import { createRequire } from "node:module";
import { JSDOM } from "jsdom";
import { CookieJar } from "tough-cookie";
import { mailToken } from "./lib/mail.mjs";

const require = createRequire(import.meta.url);
const mode = process.argv[2];
if (mode !== "header" && mode !== "cookie") throw new Error("usage: node node-suite.mjs header|cookie");
const apiDomain = process.env.API_DOMAIN;
const mailDir = process.env.MAIL_DIR;
if (!apiDomain || !mailDir) throw new Error("API_DOMAIN and MAIL_DIR must be set (run.mjs sets them)");

const pageUrl = "http://localhost:3000/auth";
const dom = new JSDOM("<!doctype html><html><body></body></html>", { url: pageUrl });
for (const name of ["window", "document", "localStorage", "sessionStorage", "location", "history", "navigator", "XMLHttpRequest"]) {
  Object.defineProperty(globalThis, name, { value: dom.window[name], configurable: true, writable: true });
}

const nodeFetch = globalThis.fetch;
const jar = new CookieJar();
async function jarFetch(input, init = {}) {
  const url = typeof input === "string" ? input : input.url;
  const headers = new Headers(init.headers || (typeof input === "string" ? undefined : input.headers));
  if (init.credentials !== "omit") {
    const cookies = await jar.getCookieString(url);
    if (cookies) headers.set("cookie", cookies);
  }
  const response = await nodeFetch(input, { ...init, headers });
  for (const cookie of response.headers.getSetCookie()) {
    await jar.setCookie(cookie, url);
  }
  return response;
}
globalThis.fetch = jarFetch;

function frontendCookie(name) {
  const part = `; ${document.cookie}`.split(`; ${name}=`);
  return part.length >= 2 ? part.pop().split(";")[0] : undefined;
}

const refreshUrl = `${apiDomain}/auth/session/refresh`;
const ctx = {
  st: {
    SuperTokens: require("supertokens-web-js").default,
    Session: require("supertokens-web-js/recipe/session").default,
    EmailPassword: require("supertokens-web-js/recipe/emailpassword").default,
    EmailVerification: require("supertokens-web-js/recipe/emailverification").default,
  },
  apiDomain,
  mode,
  label: `node-${mode}`,
  // The SDK patches `fetch` on the object its window handler returns: make
  // that the global object, whose `fetch` the SDK's querier calls.
  initOptions: {
    windowHandler: (original) => ({ ...original, getWindowUnsafe: () => globalThis }),
  },
  mailToken: (email, path, count) => mailToken(mailDir, email, path, count),
  setSearch: (search) => dom.reconfigure({ url: pageUrl + search }),
  currentRefreshToken: async () => {
    if (mode === "header") return frontendCookie("st-refresh-token");
    const cookies = await jar.getCookies(refreshUrl);
    return cookies.find((c) => c.key === "sRefreshToken")?.value;
  },
  replayRefresh: async (token) => {
    const headers = { rid: "session", "st-auth-mode": mode };
    if (mode === "header") headers.authorization = `Bearer ${token}`;
    else headers.cookie = `sRefreshToken=${token}`;
    const response = await nodeFetch(refreshUrl, { method: "POST", headers });
    return { status: response.status, body: await response.json() };
  },
};

await import("./flows.js");
try {
  const log = await globalThis.p2pFlows(ctx);
  console.log(log.join("\n"));
} catch (e) {
  if (e.log) console.log(e.log.join("\n"));
  console.error(e.message);
  process.exit(1);
}
process.exit(0);
