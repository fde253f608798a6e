// The flows every suite runs against the server through the unmodified
// supertokens-web-js SDK. Plain script (no imports): loaded by the Node suite
// after its DOM shim is set up, and by the page in headless Chromium.
//
// ctx: {
//   st: { SuperTokens, Session, EmailPassword, EmailVerification },  // the SDK modules
//   apiDomain, mode ("header" | "cookie"), label,
//   mailToken(email, linkPath, count) -> Promise<token>   // from the email the server sent
//   setSearch(search)                                     // the page's query string (?token=…)
//   currentRefreshToken() -> Promise<string>              // as the client holds it
//   replayRefresh(token) -> Promise<{status, body}>       // POST /auth/session/refresh outside the SDK
//   initOptions                                           // extra SuperTokens.init options (Node: windowHandler)
// }
globalThis.p2pFlows = async function p2pFlows(ctx) {
  const { SuperTokens, Session, EmailPassword, EmailVerification } = ctx.st;
  const api = ctx.apiDomain;
  const events = [];
  const log = [];

  function check(condition, what, detail) {
    if (!condition) {
      throw new Error(`${ctx.label}: ${what}${detail === undefined ? "" : `: ${JSON.stringify(detail)}`}`);
    }
  }
  async function step(name, body) {
    try {
      await body();
      log.push(`ok   ${ctx.label} ${name}`);
    } catch (e) {
      log.push(`FAIL ${ctx.label} ${name}: ${e && e.stack ? e.stack : e}`);
      throw Object.assign(new Error(`${ctx.label} ${name}: ${e && e.message ? e.message : e}`), { log });
    }
  }
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  async function getJson(path, init) {
    const response = await globalThis.fetch(api + path, init);
    const text = await response.text();
    let body = null;
    try {
      body = JSON.parse(text);
    } catch (_) {
      body = text;
    }
    return { status: response.status, body };
  }
  const field = (id, value) => ({ id, value });

  SuperTokens.init({
    ...(ctx.initOptions || {}),
    appInfo: { appName: "P2P Sandbox", apiDomain: api, apiBasePath: "/auth" },
    recipeList: [
      Session.init({
        tokenTransferMethod: ctx.mode,
        onHandleEvent: (event) => events.push(event.action),
      }),
      EmailPassword.init(),
      EmailVerification.init(),
    ],
  });

  const suffix = Math.random().toString(36).slice(2, 10);
  const email = `ann.${ctx.label.replace(/[^a-z0-9]/gi, "")}@fdi-${suffix}.example`;
  const password = "Correct-horse-42";
  const newPassword = "Battery-staple-77";
  const signUpFields = [
    field("email", email),
    field("password", password),
    field("first_name", "Ann"),
    field("last_name", "Lee"),
    field("organization_name", "Lee Metals"),
  ];
  let userId;

  await step("sign up (with the organization's fields) starts a session", async () => {
    const result = await EmailPassword.signUp({
      formFields: signUpFields,
    });
    check(result.status === "OK", "sign up answered OK", result.status);
    check(result.user.emails[0] === email, "the user has the email", result.user.emails);
    userId = result.user.id;
    check(await Session.doesSessionExist(), "a session exists after sign up");
    check((await Session.getUserId()) === userId, "the session is the user's");
    const payload = await Session.getAccessTokenPayloadSecurely();
    check(payload["st-ev"] && payload["st-ev"].v === false, "st-ev is false before verification", payload);
    check(payload.sub === userId && payload.sessionHandle, "the payload names the user and session", payload);
  });

  await step("sign up field errors: taken email, weak password, missing organization", async () => {
    const taken = await EmailPassword.signUp({
      formFields: signUpFields,
    });
    check(taken.status === "FIELD_ERROR" && taken.formFields[0].id === "email", "taken email is a field error", taken);
    const weak = await EmailPassword.signUp({
      formFields: [
        field("email", `bob@fdi-weak-${suffix}.example`),
        field("password", "short"),
        field("first_name", "Bob"),
        field("last_name", "Ray"),
        field("organization_name", "Ray Works"),
      ],
    });
    check(weak.status === "FIELD_ERROR" && weak.formFields.some((f) => f.id === "password"), "weak password", weak);
    const missing = await EmailPassword.signUp({
      formFields: [field("email", `cy@fdi-miss-${suffix}.example`), field("password", password)],
    });
    check(
      missing.status === "FIELD_ERROR" && missing.formFields.some((f) => f.id === "organization_name"),
      "missing organization name",
      missing,
    );
  });

  await step("email exists", async () => {
    const known = await EmailPassword.doesEmailExist({ email });
    check(known.status === "OK" && known.doesExist === true, "the new email exists", known);
    const unknown = await EmailPassword.doesEmailExist({ email: `nobody@fdi-${suffix}.example` });
    check(unknown.doesExist === false, "an unknown email does not", unknown);
  });

  await step("the session works on /api/v1 (same users, same sessions)", async () => {
    const me = await getJson("/api/v1/users/me");
    check(me.status === 200 && me.body.email === email && me.body.id === userId, "GET /api/v1/users/me", me);
    const sessions = await getJson("/api/v1/auth/sessions");
    check(sessions.status === 200, "GET /api/v1/auth/sessions", sessions);
    const list = sessions.body.items || sessions.body;
    check(Array.isArray(list) && list.some((s) => s.current), "the FDI session is listed as current", sessions.body);
  });

  await step("email verification: 403 invalid claim, the emailed link, the st-ev claim", async () => {
    const refused = await getJson("/api/v1/organizations/current");
    check(refused.status === 403 && refused.body.message === "invalid claim", "403 invalid claim before verification", refused);
    check(refused.body.claimValidationErrors[0].id === "st-ev", "the failed claim is st-ev", refused.body);
    check(!(await EmailVerification.isEmailVerified()).isVerified, "not verified yet");
    const sent = await EmailVerification.sendVerificationEmail();
    check(sent.status === "OK", "verification email sent", sent);
    const token = await ctx.mailToken(email, "verify-email", 2);
    ctx.setSearch(`?token=${encodeURIComponent(token)}`);
    const verified = await EmailVerification.verifyEmail();
    check(verified.status === "OK", "verifyEmail with the emailed token", verified);
    const again = await EmailVerification.verifyEmail();
    check(again.status === "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR", "a used link is refused", again);
    ctx.setSearch("");
    const state = await EmailVerification.isEmailVerified();
    check(state.isVerified === true, "isEmailVerified", state);
    const payload = await Session.getAccessTokenPayloadSecurely();
    check(payload["st-ev"].v === true, "st-ev is true in the new access token", payload);
    const allowed = await getJson("/api/v1/organizations/current");
    check(allowed.status === 200, "the route is allowed once verified", allowed);
    const resend = await EmailVerification.sendVerificationEmail();
    check(resend.status === "EMAIL_ALREADY_VERIFIED_ERROR", "no new link for a verified email", resend);
  });

  await step("sign out ends the session on both APIs", async () => {
    await Session.signOut();
    check(!(await Session.doesSessionExist()), "no session after sign out");
    const me = await getJson("/api/v1/users/me");
    check(me.status === 401, "/api/v1 refuses after sign out", me);
  });

  await step("wrong password, then sign in", async () => {
    const wrong = await EmailPassword.signIn({ formFields: [field("email", email), field("password", "Wrong-password-1")] });
    check(wrong.status === "WRONG_CREDENTIALS_ERROR", "wrong password", wrong);
    const unknown = await EmailPassword.signIn({ formFields: [field("email", `x@fdi-${suffix}.example`), field("password", password)] });
    check(unknown.status === "WRONG_CREDENTIALS_ERROR", "unknown email answers the same", unknown);
    const ok = await EmailPassword.signIn({ formFields: [field("email", email), field("password", password)] });
    check(ok.status === "OK" && ok.user.id === userId, "sign in", ok);
    check(await Session.doesSessionExist(), "session after sign in");
  });

  await step("automatic refresh after the access token expires", async () => {
    const before = await Session.getAccessTokenPayloadSecurely();
    const refreshesBefore = events.filter((e) => e === "REFRESH_SESSION").length;
    const wait = before.exp * 1000 - Date.now() + 1500;
    await sleep(Math.max(wait, 0));
    const me = await getJson("/api/v1/users/me");
    check(me.status === 200 && me.body.id === userId, "the request succeeds after a refresh", me);
    const after = await Session.getAccessTokenPayloadSecurely();
    check(after.exp > before.exp && after.sessionHandle === before.sessionHandle, "a new access token of the same session", { before, after });
    check(events.filter((e) => e === "REFRESH_SESSION").length > refreshesBefore, "the SDK refreshed the session", events);
  });

  await step("password reset through the emailed link", async () => {
    const sent = await EmailPassword.sendPasswordResetEmail({ formFields: [field("email", email)] });
    check(sent.status === "OK", "reset email requested", sent);
    const bad = await EmailPassword.sendPasswordResetEmail({ formFields: [field("email", "not-an-email")] });
    check(bad.status === "FIELD_ERROR" && bad.formFields[0].id === "email", "malformed email", bad);
    const token = await ctx.mailToken(email, "reset-password", 1);
    ctx.setSearch(`?token=${encodeURIComponent(token)}`);
    const weak = await EmailPassword.submitNewPassword({ formFields: [field("password", "short")] });
    check(weak.status === "FIELD_ERROR" && weak.formFields[0].id === "password", "weak new password", weak);
    const done = await EmailPassword.submitNewPassword({ formFields: [field("password", newPassword)] });
    check(done.status === "OK", "new password set", done);
    const reused = await EmailPassword.submitNewPassword({ formFields: [field("password", newPassword)] });
    check(reused.status === "RESET_PASSWORD_INVALID_TOKEN_ERROR", "the link works once", reused);
    ctx.setSearch("");
    const old = await EmailPassword.signIn({ formFields: [field("email", email), field("password", password)] });
    check(old.status === "WRONG_CREDENTIALS_ERROR", "the old password no longer works", old);
    const fresh = await EmailPassword.signIn({ formFields: [field("email", email), field("password", newPassword)] });
    check(fresh.status === "OK", "the new password works", fresh);
  });

  await step("a replayed refresh token is theft: the session is revoked and the client signed out", async () => {
    const stolen = await ctx.currentRefreshToken();
    check(typeof stolen === "string" && stolen.length > 20, "the client holds a refresh token", stolen);
    check(await Session.attemptRefreshingSession(), "the SDK rotates the refresh token");
    check((await ctx.currentRefreshToken()) !== stolen, "the refresh token was rotated");
    const replay = await ctx.replayRefresh(stolen);
    check(replay.status === 401 && replay.body.message === "token theft detected", "replay answered theft", replay);
    const me = await getJson("/api/v1/users/me");
    check(me.status === 401, "the revoked session is refused", me);
    check(!(await Session.doesSessionExist()), "the SDK signed the user out");
    check(events.includes("UNAUTHORISED") || events.includes("SIGN_OUT"), "the SDK reported the end of the session", events);
  });

  return log;
};
