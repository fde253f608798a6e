// An example of the typed client: sign up, confirm the email, sign in, follow
// a topic live over the WebSocket, create the topic, reply, list topics, and
// read problem documents (their `code` is a typed union) in English and
// Arabic. `cargo xtask test` runs it against a fresh server
// (tests/frontend/typed-client.mjs) with the contract checks of
// ../test/contract.ts added to the client.
import type { Middleware } from "openapi-fetch";
import {
  createP2pClient,
  isProblem,
  parseServerFrame,
  socketUrl,
  type Problem,
  type ProblemCode,
  type Schemas,
  type WsClientFrame,
  type WsServerFrame,
} from "../src/index.js";

export interface ExampleEnvironment {
  /** The server's origin. */
  baseUrl: string;
  /** The token of the email-verification link the server sent to `email`. */
  verificationToken(email: string): Promise<string>;
  /** Added to every client the example makes (the CI adds the contract checks). */
  middleware: Middleware[];
  /** Called with the text of every frame the server sends. */
  onServerFrame(text: string): void;
  log(line: string): void;
}

/** Fails with the problem's code and detail. */
function fail(step: string, problem: Problem | undefined): never {
  throw new Error(`${step}: ${problem ? `${problem.status} ${problem.code}: ${problem.detail}` : "no answer"}`);
}

export async function runExample(env: ExampleEnvironment): Promise<void> {
  let accessToken: string | undefined;
  const api = createP2pClient({ baseUrl: env.baseUrl, accessToken: () => accessToken });
  const arabic = createP2pClient({ baseUrl: env.baseUrl, accessToken: () => accessToken, language: "ar" });
  for (const middleware of env.middleware) {
    api.use(middleware);
    arabic.use(middleware);
  }

  // Sign up: a new organization and its first admin.
  const unique = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const email = `ada.${unique}@typed-${unique}.example`;
  const password = "Typed-Client-Pass-2026";
  const signup = await api.POST("/api/v1/auth/signup", {
    body: { email, password, first_name: "Ada", last_name: "Lovelace", organization_name: `Typed ${unique}` },
  });
  if (!signup.data) fail("sign up", signup.error);
  env.log(`signed up ${signup.data.user.email} in ${signup.data.organization.name}`);

  // Confirm the email with the link's token, then sign in.
  const verified = await api.POST("/api/v1/auth/verify-email", {
    body: { token: await env.verificationToken(email) },
  });
  if (!verified.data) fail("verify email", verified.error);
  const login = await api.POST("/api/v1/auth/login", { body: { email, password } });
  if (!login.data) fail("sign in", login.error);
  accessToken = login.data.access_token;
  env.log(`signed in; the access token lasts ${login.data.expires_in} s`);

  // Create a topic and follow it live.
  const created = await api.POST("/api/v1/forums/topics", {
    body: { title: `Vibration sensors on old presses ${unique}`, content: "Which sensors **survive** a stamping line?" },
  });
  if (!created.data) fail("create topic", created.error);
  const topic: Schemas["TopicView"] = created.data.topic;
  env.log(`created topic ${topic.id}`);

  const socket = await openSocket(socketUrl(env.baseUrl, "/ws", accessToken), env.onServerFrame);
  const channel = `topic:${topic.id}`;
  const subscribed = await socket.send({ type: "subscribe", channel }, (f) => f.type === "subscribed" && f.channel === channel);
  env.log(`subscribed to ${channel} at seq ${subscribed.type === "subscribed" ? subscribed.seq : "?"}`);

  // Reply, and see the reply arrive on the socket.
  const replied = await api.POST("/api/v1/forums/topics/{id}/posts", {
    params: { path: { id: topic.id } },
    body: { content: "Piezo accelerometers with IP67 connectors have lasted us 4 years." },
  });
  if (!replied.data) fail("reply", replied.error);
  const replyId = replied.data.id;
  const event = await socket.next((f) => f.type === "event" && f.channel === channel && f.event === "post.created");
  if (event.type !== "event") throw new Error("expected an event frame");
  env.log(`reply ${replyId} arrived live as ${event.event} #${event.seq}`);
  const pong = await socket.send({ type: "ping" }, (f) => f.type === "pong");
  const refused = await socket.sendText("not json", (f) => f.type === "error");
  if (refused.type !== "error" || refused.code !== "invalid_frame") throw new Error(`expected invalid_frame, got ${JSON.stringify(refused)}`);
  env.log(`socket: ${pong.type}, and ${refused.code} for a malformed frame`);
  socket.close();

  // List topics: ours is there, with its reply counted.
  const listed = await api.GET("/api/v1/forums/topics", { params: { query: { limit: 10 } } });
  if (!listed.data) fail("list topics", listed.error);
  const ours = listed.data.items.find((t) => t.id === topic.id);
  if (!ours) throw new Error("the new topic is not listed");
  env.log(`listed ${listed.data.items.length} topic(s); ours has ${ours.reply_count} reply`);

  // Problems: the `code` is a union of the server's codes, checked by the compiler.
  const empty = await api.POST("/api/v1/forums/topics/{id}/posts", {
    params: { path: { id: topic.id } },
    body: { content: "" },
  });
  if (!empty.error) throw new Error("an empty reply was accepted");
  const code: ProblemCode = empty.error.code;
  if (code !== "validation_failed") throw new Error(`expected validation_failed, got ${code}`);
  const field = empty.error.errors?.find((e) => e.field === "content");
  env.log(`empty reply: ${empty.response.status} ${code}, field ${field?.field}: ${field?.code}`);

  const missing = await arabic.GET("/api/v1/forums/topics/{id}", {
    params: { path: { id: "00000000-0000-7000-8000-000000000000" } },
  });
  if (!isProblem(missing.error)) throw new Error("a missing topic was found");
  switch (missing.error.code) {
    case "not_found":
      if (!/[\u0600-\u06FF]/.test(missing.error.detail)) throw new Error(`no Arabic detail: ${missing.error.detail}`);
      env.log(`missing topic in Arabic: ${missing.error.status} ${missing.error.code}: ${missing.error.detail}`);
      break;
    default:
      throw new Error(`expected not_found, got ${missing.error.code}`);
  }
}

interface Socket {
  send(frame: WsClientFrame, until: (f: WsServerFrame) => boolean): Promise<WsServerFrame>;
  sendText(text: string, until: (f: WsServerFrame) => boolean): Promise<WsServerFrame>;
  next(until: (f: WsServerFrame) => boolean): Promise<WsServerFrame>;
  close(): void;
}

/** A socket whose frames are awaited by condition (10 s each); frames nobody awaited stay queued. */
function openSocket(url: string, onText: (text: string) => void): Promise<Socket> {
  const ws = new WebSocket(url);
  const received: WsServerFrame[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  ws.onmessage = (message) => {
    try {
      const text = String(message.data);
      onText(text);
      received.push(parseServerFrame(text));
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
    }
    wake?.();
  };
  const next = async (until: (f: WsServerFrame) => boolean): Promise<WsServerFrame> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (failure) throw failure;
      const at = received.findIndex(until);
      if (at >= 0) return received.splice(at, 1)[0] as WsServerFrame;
      if (Date.now() > deadline) throw new Error(`no such frame within 10 s; received ${JSON.stringify(received)}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  };
  const socket: Socket = {
    send: (frame, until) => {
      ws.send(JSON.stringify(frame));
      return next(until);
    },
    sendText: (text, until) => {
      ws.send(text);
      return next(until);
    },
    next,
    close: () => ws.close(1000),
  };
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(socket);
    ws.onerror = () => reject(new Error(`the socket ${new URL(url).pathname} did not open`));
  });
}
