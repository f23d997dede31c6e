// The one way the web app talks to the API: same origin, tokens in HttpOnly
// cookies (X-Token-Delivery: cookie) that no script here can read, the CSRF
// header on every request, and silent refresh. The page remembers only when
// its access cookie expires (no secret), to refresh before a call instead of
// after a refusal, and whether it is signed in at all, to ask /me only then.

const HEADERS = { "x-token-delivery": "cookie", "x-csrf-protection": "1" };
const KEY = "session";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error_description ?? body?.message ?? `The request failed (${status}).`);
    this.status = status;
    this.code = body?.error ?? null;
    this.body = body;
  }
}

const session = () => JSON.parse(localStorage.getItem(KEY) ?? "null");
export const signedIn = () => session() !== null;
export const forget = () => localStorage.removeItem(KEY);

function remember(body) {
  if (body && "expires_in" in body && "refresh_expires_in" in body) {
    localStorage.setItem(KEY, JSON.stringify({ accessUntil: Date.now() + body.expires_in * 1000 }));
  }
}

async function send(path, method, body) {
  const headers = { ...HEADERS };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (response.ok) remember(parsed);
  return { status: response.status, body: parsed };
}

// The gateway answers 401 (no cookie) or 403 {"message"} (expired or
// revoked) before the function runs; the functions' own errors carry "error".
const sessionGone = (r) => r.status === 401 || (r.status === 403 && r.body && "message" in r.body);

export async function refresh() {
  const r = await send("/refresh", "POST");
  if (r.status !== 200) forget();
  return r.status === 200;
}

// A call that needs the session: refreshed first when the access cookie has
// expired, and once more if the gateway still refuses it.
export async function api(path, { method = "GET", body } = {}) {
  const known = session();
  if (known && Date.now() > known.accessUntil - 5000) await refresh();
  let r = await send(path, method, body);
  if (sessionGone(r) && (await refresh())) r = await send(path, method, body);
  if (sessionGone(r)) forget();
  if (r.status >= 400) throw new ApiError(r.status, r.body);
  return r.body;
}

// Routes that open a session or spend a one-time token: nothing to refresh.
export async function post(path, body) {
  const r = await send(path, "POST", body);
  if (r.status >= 400) throw new ApiError(r.status, r.body);
  return r.body;
}

export const token = () => new URLSearchParams(location.hash.slice(1)).get("token");
