// The typed client of the P2P Sandbox API: openapi-fetch over the types that
// `cargo xtask codegen` generates from the server's OpenAPI document
// (../p2p-api.d.ts). Paths, parameters, bodies and answers are checked by
// the TypeScript compiler; errors are RFC 9457 problem documents whose `code`
// is the union of the server's problem codes.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "../p2p-api.js";

export type { components, paths, operations } from "../p2p-api.js";

/** Every schema of the document, by name. */
export type Schemas = components["schemas"];
/** A problem document (`application/problem+json`). */
export type Problem = Schemas["Problem"];
/** The stable machine codes a problem (or a WebSocket `error` frame) can carry. */
export type ProblemCode = Schemas["Code"];
/** A frame the client sends on `/ws`. */
export type WsClientFrame = Schemas["WsClientFrame"];
/** A frame the server sends on `/ws` and `/ws/forum/{topic_id}`. */
export type WsServerFrame = Schemas["WsServerFrame"];

export type P2pClient = Client<paths>;

export interface P2pClientOptions {
  /** The server's origin, e.g. `https://p2p.example` (paths start with `/api/v1`). */
  baseUrl: string;
  /** The access token to send as `Authorization: Bearer`, read before each request. */
  accessToken?: () => string | undefined;
  /** The `Accept-Language` of every request (`ar` or `en`): problem texts follow it. */
  language?: "ar" | "en";
  /** Replaces `globalThis.fetch` (tests, cookie jars). */
  fetch?: (input: Request) => Promise<Response>;
}

/** A client of the API. */
export function createP2pClient(options: P2pClientOptions): P2pClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(headers(options));
  return client;
}

function headers(options: P2pClientOptions): Middleware {
  return {
    onRequest({ request }) {
      const token = options.accessToken?.();
      if (token && !request.headers.has("authorization")) {
        request.headers.set("authorization", `Bearer ${token}`);
      }
      if (options.language && !request.headers.has("accept-language")) {
        request.headers.set("accept-language", options.language);
      }
      return request;
    },
  };
}

/** Whether an error body is a problem document (every error answer of the API is). */
export function isProblem(value: unknown): value is Problem {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { status?: unknown }).status === "number"
  );
}

/** The URL of a WebSocket route (`/ws` or `/ws/forum/{topic_id}`) with the access token. */
export function socketUrl(baseUrl: string, path: "/ws" | `/ws/forum/${string}`, accessToken: string, since?: number): string {
  const url = new URL(path, baseUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("access_token", accessToken);
  if (since !== undefined) url.searchParams.set("since", String(since));
  return url.toString();
}

/** Parses a text frame of the server. */
export function parseServerFrame(text: string): WsServerFrame {
  return JSON.parse(text) as WsServerFrame;
}
