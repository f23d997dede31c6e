// The web app in real headless Chromium, driven as a person would drive it
// (by labels and button names), against local-api. Also the browser-side
// security cases: no token where a script can read it, the cookie flags, a
// page on another origin that cannot refresh or log out the session, CORS
// for an unlisted origin, and pages that make no request off their origin.
//
// usage: node browser.mjs BASE_URL CHROMIUM SCREENSHOT_DIR   (scripts/browser runs it)
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { strict as assert } from "node:assert";
import { chromium } from "playwright-core";

const [base, executablePath, shots] = process.argv.slice(2);
const origin = new URL(base).origin;
const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "a brand new passphrase for the account";
// A fresh local-api each run: one fixed address keeps the screenshots alike.
const email = "ada@example.com";

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const context = await browser.newContext({ baseURL: base, viewport: { width: 420, height: 900 } });
const offOrigin = [];
const consoleErrors = [];
const attackers = new Set(); // pages of another origin, below: their requests are theirs
context.on("request", (r) => {
  if (attackers.has(r.frame().page())) return;
  if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) offOrigin.push(r.url());
});
const page = await context.newPage();
page.on("console", (m) => m.type() === "error" && consoleErrors.push(`${page.url()}: ${m.text()}`));
page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));

// RFC 6238 codes from a base32 secret, as an authenticator app makes them.
function totp(secret, step) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bits = [...secret].map((c) => alphabet.indexOf(c).toString(2).padStart(5, "0")).join("");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const at = mac[19] & 15;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}
const step30 = () => Math.floor(Date.now() / 1000 / 30);

const region = (name) => page.getByRole("region", { name });
const status = () => page.getByRole("status");
async function step(name, body) {
  process.stdout.write(`browser: ${name} … `);
  await body();
  console.log("ok");
}

await step("a first visit shows the login page and asks the API nothing", async () => {
  await page.goto("/");
  await region("Log in").getByRole("button", { name: "Log in", exact: true }).waitFor();
  await page.screenshot({ path: `${shots}/login.png`, fullPage: true });
});

await step("sign up, and see who is signed in", async () => {
  const signup = region("Create an account");
  await signup.getByLabel("Email").fill(email);
  await signup.getByLabel("Password").fill(PASSWORD);
  await signup.getByLabel("Name (optional)").fill("Ada");
  await signup.getByRole("button", { name: "Sign up" }).click();
  await region("Who am I").getByText(email).waitFor();
});

await step("the tokens are in HttpOnly, Secure, SameSite=Strict cookies no script can read", async () => {
  assert.equal(await page.evaluate(() => document.cookie), "");
  const cookies = await context.cookies();
  const access = cookies.find((c) => c.name === "__Host-access_token");
  assert.ok(access && access.httpOnly && access.secure && access.sameSite === "Strict" && access.path === "/");
  const refresh = cookies.filter((c) => c.name === "__Secure-refresh_token").map((c) => c.path).sort();
  assert.deepEqual(refresh, ["/logout", "/refresh"]);
  assert.ok(cookies.every((c) => c.httpOnly && c.secure && c.sameSite === "Strict"), JSON.stringify(cookies));
  const stored = await page.evaluate(() => JSON.stringify(localStorage));
  assert.ok(!stored.includes(access.value.slice(0, 20)), "no token in localStorage");
});

await step("a reload keeps the session", async () => {
  await page.reload();
  await region("Who am I").getByText(email).waitFor();
  await page.screenshot({ path: `${shots}/signed-in.png`, fullPage: true });
});

await step("the sessions list logs another device out", async () => {
  const phone = await browser.newContext({ baseURL: base });
  const other = await phone.newPage();
  await other.goto("/");
  const login = other.getByRole("region", { name: "Log in" });
  await login.getByLabel("Email").fill(email);
  await login.getByLabel("Password").fill(PASSWORD);
  await login.getByRole("button", { name: "Log in", exact: true }).click();
  await other.getByRole("region", { name: "Who am I" }).getByText(email).waitFor();
  await page.reload();
  const sessions = region("Sessions");
  await sessions.getByRole("row").nth(2).waitFor();
  assert.equal(await sessions.getByRole("row").count(), 3, "a header and two sessions");
  await sessions.getByRole("button", { name: "Log out this device" }).click();
  await status().getByText("That device is logged out.").waitFor();
  // The list is read again after the logout: wait for it to lose the row.
  await sessions.getByRole("button", { name: "Log out this device" }).waitFor({ state: "detached" });
  assert.equal(await sessions.getByRole("row").count(), 2);
  const refused = await other.evaluate(async () => (await fetch("/refresh", { method: "POST", headers: { "x-csrf-protection": "1" } })).status);
  assert.equal(refused, 400, "the other device's refresh cookie no longer works");
  await phone.close();
});

await step("an expired access token is refreshed silently", async () => {
  // scripts/browser gives access tokens the shortest lifetime there is (60 s):
  // wait it out, and the browser drops the cookie as it would in use.
  const before = (await context.cookies()).find((c) => c.name === "__Host-access_token").value;
  const left = await page.evaluate(() => JSON.parse(localStorage.getItem("session")).accessUntil - Date.now());
  await page.waitForTimeout(Math.max(0, left) + 1500);
  assert.ok(!(await context.cookies()).some((c) => c.name === "__Host-access_token"), "the access cookie expired");
  await page.reload();
  await region("Who am I").getByText(email).waitFor();
  const after = (await context.cookies()).find((c) => c.name === "__Host-access_token");
  assert.ok(after && after.value !== before, "a new access cookie");
});

await step("a page on another origin cannot refresh or log out the session", async () => {
  const attacker = createServer((_, res) => {
    res.setHeader("content-type", "text/html");
    res.end(`<!doctype html><form id=f method=post action="${base}/logout"></form><script>
      fetch("${base}/refresh", { method: "POST", credentials: "include", headers: { "x-csrf-protection": "1" } })
        .then(() => (document.title = "refreshed"), () => (document.title = "blocked"))
        .finally(() => document.getElementById("f").submit());
    </script>`);
  });
  await new Promise((ok) => attacker.listen(0, "127.0.0.1", ok));
  const evil = await context.newPage();
  attackers.add(evil);
  const navigated = evil.waitForURL(`${base}/logout`);
  await evil.goto(`http://127.0.0.1:${attacker.address().port}/`);
  await navigated;
  await evil.close();
  attacker.close();
  await page.reload();
  await region("Who am I").getByText(email).waitFor();
  const sessions = await page.evaluate(async () => (await fetch("/sessions")).status);
  assert.equal(sessions, 200, "the session survived");
});

await step("a preflight from an unlisted origin gets no Access-Control-Allow-Origin", async () => {
  const r = await fetch(`${base}/refresh`, {
    method: "OPTIONS",
    headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
  });
  assert.equal(r.headers.get("access-control-allow-origin"), null);
});

await step("log out, and see the login page", async () => {
  await region("Who am I").getByRole("button", { name: "Log out", exact: true }).click();
  await region("Log in").getByRole("button", { name: "Log in", exact: true }).waitFor();
  const left = (await context.cookies()).map((c) => c.name);
  assert.ok(!left.includes("__Host-access_token") && !left.includes("__Secure-refresh_token"), left.join());
  await page.reload();
  await region("Log in").waitFor();
});

await step("forgot password: the mailed link opens the reset page, and the new password logs in", async () => {
  await page.goto("/");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a reset link" }).click();
  await status().getByText("we sent it a link").waitFor();
  let link;
  for (let i = 0; i < 100 && !link; i++) {
    const outbox = await (await fetch(`${base}/_outbox.json`)).json();
    const mail = outbox.find((m) => m.to === email && m.text.includes("/reset-password#token="));
    link = mail?.text.match(/https?:\/\/\S+\/reset-password#token=[^\s"]+/)?.[0];
    if (!link) await new Promise((ok) => setTimeout(ok, 50));
  }
  assert.ok(link, "a reset mail with its link");
  await page.goto(link);
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await status().getByText("Your password is changed").waitFor();
  assert.equal(new URL(page.url()).hash, "", "the token leaves the address bar");
  await page.getByRole("link", { name: "Home" }).click();
  const login = region("Log in");
  await login.getByLabel("Email").fill(email);
  await login.getByLabel("Password").fill(NEW_PASSWORD);
  await login.getByRole("button", { name: "Log in", exact: true }).click();
  await region("Who am I").getByText(email).waitFor();
});

await step("two-step login: set up an authenticator from the QR code, then log in with a code", async () => {
  const mfa = region("Two-step login");
  await mfa.getByText("Off: the password alone logs in.").waitFor();
  await mfa.getByRole("button", { name: "Set up an authenticator app" }).click();
  const qr = mfa.getByRole("img", { name: "QR code for your authenticator app" });
  await qr.waitFor();
  assert.ok((await qr.getAttribute("src")).startsWith("data:image/svg+xml;base64,"));
  const secret = (await mfa.locator("#mfa-secret").textContent()).trim();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await mfa.screenshot({ path: `${shots}/two-step.png` });
  const confirmedAt = step30();
  await mfa.getByLabel("Code from the app", { exact: true }).fill(totp(secret, confirmedAt));
  await mfa.getByRole("button", { name: "Turn on" }).click();
  await status().getByText("Two-step login is on.").waitFor();
  const codes = await mfa.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").allTextContents();
  assert.equal(codes.length, 10);
  assert.equal(await mfa.locator("#mfa-secret").textContent(), "", "the key leaves the page once confirmed");

  await region("Who am I").getByRole("button", { name: "Log out", exact: true }).click();
  const login = region("Log in");
  await login.getByLabel("Email").fill(email);
  await login.getByLabel("Password").fill(NEW_PASSWORD);
  await login.getByRole("button", { name: "Log in", exact: true }).click();
  const code = region("Enter your code");
  await code.waitFor();
  // The confirming code's step is spent; the next step's code is already valid.
  await code.getByLabel("Code").fill(totp(secret, Math.max(step30(), confirmedAt + 1)));
  await code.getByRole("button", { name: "Continue" }).click();
  await region("Who am I").getByText(email).waitFor();
  await mfa.getByText("On: logging in needs a code").waitFor();

  // A recovery code turns it off again (the /docs step below logs in with the password alone).
  await mfa.getByLabel("Code from the app, or a recovery code").fill(codes[0]);
  await mfa.getByRole("button", { name: "Turn off" }).click();
  await status().getByText("Two-step login is off.").waitFor();
  await page.reload();
  await mfa.getByText("Off: the password alone logs in.").waitFor();
  consoleErrors.length = 0; // the password step's 403 mfa_required is a refusal the browser logs itself
});

await step("passkeys: add one from the web app, log in with it and no email, remove it", async () => {
  // Chromium's virtual authenticator (CDP): a platform authenticator that
  // keeps discoverable credentials and verifies its user.
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const authenticator = {
    protocol: "ctap2",
    transport: "internal",
    hasResidentKey: true,
    hasUserVerification: true,
    isUserVerified: true,
    automaticPresenceSimulation: true,
  };
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: authenticator });
  const keys = region("Passkeys");
  await keys.getByText("None yet").waitFor();
  await keys.getByLabel("Name for it (optional)").fill("This laptop");
  await keys.getByRole("button", { name: "Add a passkey" }).click();
  await status().getByText("Passkey “This laptop” added.").waitFor();
  await keys.getByRole("cell", { name: "This laptop", exact: true }).waitFor();
  await keys.getByRole("cell", { name: "never", exact: true }).waitFor();
  await keys.screenshot({ path: `${shots}/passkeys.png` });
  let notice;
  for (let i = 0; i < 100 && !notice; i++) {
    const outbox = await (await fetch(`${base}/_outbox.json`)).json();
    notice = outbox.find((m) => m.to === email && m.subject === "A passkey was added");
    if (!notice) await new Promise((ok) => setTimeout(ok, 50));
  }
  assert.ok(notice && notice.text.includes("This laptop"), "a notice names the new passkey");

  await region("Who am I").getByRole("button", { name: "Log out", exact: true }).click();
  await region("Log in").getByRole("button", { name: "Log in with a passkey" }).click();
  await region("Who am I").getByText(email).waitFor();
  await keys.getByRole("cell", { name: "never", exact: true }).waitFor({ state: "detached" });
  const access = (await context.cookies()).find((c) => c.name === "__Host-access_token").value;
  const claims = JSON.parse(Buffer.from(access.split(".")[1], "base64url").toString());
  assert.deepEqual(claims.amr, ["hwk"], "a passkey that stays in its authenticator");

  await keys.getByRole("button", { name: "Remove This laptop" }).click();
  await status().getByText("Passkey “This laptop” removed.").waitFor();
  await keys.getByText("None yet").waitFor();
  await region("Who am I").getByRole("button", { name: "Log out", exact: true }).click();
  // The authenticator still holds the credential; the API no longer knows it.
  consoleErrors.length = 0;
  await region("Log in").getByRole("button", { name: "Log in with a passkey" }).click();
  await status().getByText("the passkey was not accepted").waitFor();
  consoleErrors.length = 0; // the refused finish is a 400 the browser logs itself

  // A passkey a password manager would sync (backup eligible) is a software key.
  await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
  const synced = { ...authenticator, defaultBackupEligibility: true, defaultBackupState: true };
  await cdp.send("WebAuthn.addVirtualAuthenticator", { options: synced });
  const login = region("Log in");
  await login.getByLabel("Email").fill(email);
  await login.getByLabel("Password").fill(NEW_PASSWORD);
  await login.getByRole("button", { name: "Log in", exact: true }).click();
  await keys.getByLabel("Name for it (optional)").fill("Password manager");
  await keys.getByRole("button", { name: "Add a passkey" }).click();
  await keys.getByRole("cell", { name: "Password manager", exact: true }).waitFor();
  await region("Who am I").getByRole("button", { name: "Log out", exact: true }).click();
  await login.getByRole("button", { name: "Log in with a passkey" }).click();
  await region("Who am I").getByText(email).waitFor();
  const syncedAccess = (await context.cookies()).find((c) => c.name === "__Host-access_token").value;
  assert.deepEqual(JSON.parse(Buffer.from(syncedAccess.split(".")[1], "base64url").toString()).amr, ["swk"]);
  await keys.getByRole("button", { name: "Remove Password manager" }).click();
  await keys.getByText("None yet").waitFor();
  await region("Who am I").getByRole("button", { name: "Log out", exact: true }).click();
  await cdp.send("WebAuthn.disable");
  await login.getByLabel("Email").fill(email);
  await login.getByLabel("Password").fill(NEW_PASSWORD);
  await login.getByRole("button", { name: "Log in", exact: true }).click();
  await region("Who am I").getByText(email).waitFor();
});

await step("a wrong password shows the API's own words", async () => {
  await region("Who am I").getByRole("button", { name: "Log out", exact: true }).click();
  const login = region("Log in");
  await login.getByLabel("Email").fill(email);
  await login.getByLabel("Password").fill("not the password at all");
  consoleErrors.length = 0; // a refused login is a 400 the browser logs itself
  await login.getByRole("button", { name: "Log in", exact: true }).click();
  await status().getByText("the email or password is incorrect").waitFor();
  consoleErrors.length = 0;
});

await step("/docs: Authorize with the password grant, then GET /me answers 200", async () => {
  const docs = await context.newPage();
  docs.on("console", (m) => m.type() === "error" && consoleErrors.push(`${docs.url()}: ${m.text()}`));
  docs.on("pageerror", (e) => consoleErrors.push(`${docs.url()}: ${e.message}`));
  await docs.goto("/docs");
  await docs.getByRole("button", { name: "Authorize" }).first().click();
  const oauth = docs.locator(".auth-container").filter({ hasText: "oauth2" });
  await oauth.getByLabel("username:").fill(email);
  await oauth.getByLabel("password:").fill(NEW_PASSWORD);
  await oauth.getByRole("button", { name: "Apply given OAuth2 credentials" }).click();
  await oauth.getByRole("button", { name: "Remove authorization" }).waitFor();
  await oauth.getByRole("button", { name: "Close" }).click();
  const me = docs.locator("#operations-default-me");
  await me.locator(".opblock-summary").click();
  await me.getByRole("button", { name: "Execute" }).click();
  await me.locator(".live-responses-table td.response-col_status:not(.col_header)").getByText("200").waitFor();
  await docs.screenshot({ path: `${shots}/docs.png` });
  await docs.close();
});

await step("/ made no request off its origin and logged no error", async () => {
  const fresh = await context.newPage();
  fresh.on("console", (m) => m.type() === "error" && consoleErrors.push(`${fresh.url()}: ${m.text()}`));
  await fresh.goto("/");
  await fresh.getByRole("region", { name: "Log in" }).waitFor();
  await fresh.close();
  assert.deepEqual(offOrigin, []);
  assert.deepEqual(consoleErrors, []);
});

await browser.close();
console.log("browser: every flow passed in Chromium");
