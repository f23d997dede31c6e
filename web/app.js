// The home page: log in or sign up, then who am I, sessions and the account.
import { api, forget, post, signedIn } from "/api.js";
import { addPasskey, logInWithPasskey } from "/passkeys.js";
import { $, onSubmit, say, show } from "/ui.js";

const when = (iso) => new Date(iso).toLocaleString();

// A table row of text cells, then `last` (a button, or more text).
function row(texts, last) {
  const tr = document.createElement("tr");
  for (const text of texts) {
    const cell = document.createElement("td");
    cell.textContent = text;
    tr.append(cell);
  }
  const cell = document.createElement("td");
  cell.append(last);
  tr.append(cell);
  return tr;
}

function button(label, onClick, name = label) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "secondary";
  b.textContent = label;
  b.setAttribute("aria-label", name);
  b.addEventListener("click", () => onClick().catch((error) => say(error.message, "error")));
  return b;
}

// The mfa_token of a login whose password was right, until its code is sent.
let pendingLogin = null;

function showLoginStep(second) {
  show("#mfa-step", second);
  $("#login").closest("section").hidden = second;
}

function showMfa(on) {
  $("#mfa-state").textContent = on
    ? "On: logging in needs a code from your authenticator app after the password."
    : "Off: the password alone logs in.";
  show("#mfa-enroll", !on);
  show("#mfa-remove", on);
  if (on) show("#mfa-setup", false);
}

async function showAccount(user) {
  show("#signed-out", false);
  show("#signed-in", true);
  showMfa(user.mfa.totp);
  $("#email").textContent = user.email;
  $("#verified").textContent = user.email_verified ? "(verified)" : "(not verified yet)";
  show("#send-verification", !user.email_verified);
  const rows = (await api("/sessions")).map((s) => {
    const logOut = async () => {
      await api(`/sessions/${encodeURIComponent(s.id)}`, { method: "DELETE" });
      say("That device is logged out.");
      await load();
    };
    return row([when(s.created_at), when(s.last_used_at)], s.current ? "this device" : button("Log out this device", logOut));
  });
  $("#sessions").replaceChildren(...rows);
  await showPasskeys();
}

async function showPasskeys() {
  const keys = await api("/passkeys");
  $("#passkeys-state").textContent = keys.length
    ? "Any of these logs in without a password or a code."
    : "None yet: add one to log in without a password.";
  const rows = keys.map((key) => {
    const remove = async () => {
      await api(`/passkeys/${encodeURIComponent(key.id)}`, { method: "DELETE" });
      say(`Passkey “${key.name}” removed.`);
      await showPasskeys();
    };
    const used = key.last_used_at ? when(key.last_used_at) : "never";
    return row([key.name, when(key.created_at), used], button("Remove", remove, `Remove ${key.name}`));
  });
  $("#passkeys").replaceChildren(...rows);
}

function signedOut() {
  forget();
  pendingLogin = null;
  showLoginStep(false);
  show("#mfa-setup", false);
  show("#mfa-codes", false);
  show("#signed-in", false);
  show("#signed-out", true);
}

async function load() {
  if (!signedIn()) return signedOut();
  try {
    await showAccount(await api("/me"));
  } catch (error) {
    if (error.status === 401 || error.status === 403) signedOut();
    else say(error.message, "error");
  }
}

onSubmit($("#login"), async ({ email, password }) => {
  try {
    await post("/login", { email, password });
  } catch (error) {
    if (error.code !== "mfa_required") throw error;
    pendingLogin = error.body.mfa_token;
    showLoginStep(true);
    say("");
    $("#login-mfa input").focus();
    return;
  }
  say("");
  await load();
});

$("#passkey-login").addEventListener("click", async () => {
  try {
    await logInWithPasskey();
  } catch (error) {
    return say(error.message, "error");
  }
  say("");
  await load();
});

onSubmit($("#login-mfa"), async ({ code }) => {
  try {
    await post("/login/mfa", { mfa_token: pendingLogin, code: code.trim() });
  } catch (error) {
    // Five wrong codes end the pending login: start again from the password.
    if (error.message.includes("log in again")) showLoginStep(false);
    throw error;
  }
  pendingLogin = null;
  $("#login-mfa").reset();
  showLoginStep(false);
  say("");
  await load();
});

$("#mfa-enroll").addEventListener("click", async () => {
  try {
    const enrolment = await api("/mfa/totp/enroll", { method: "POST" });
    $("#mfa-qr").src = `data:image/svg+xml;base64,${btoa(enrolment.qr_svg)}`;
    $("#mfa-secret").textContent = enrolment.secret;
    show("#mfa-codes", false);
    show("#mfa-setup", true);
  } catch (error) {
    say(error.message, "error");
  }
});

onSubmit($("#mfa-confirm"), async ({ code }) => {
  const { recovery_codes } = await api("/mfa/totp/confirm", { method: "POST", body: { code: code.trim() } });
  $("#mfa-confirm").reset();
  $("#mfa-secret").textContent = "";
  $("#recovery-codes").replaceChildren(
    ...recovery_codes.map((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }),
  );
  show("#mfa-setup", false);
  show("#mfa-codes", true);
  say("Two-step login is on.");
  showMfa(true);
});

onSubmit($("#mfa-remove"), async ({ code }) => {
  await api("/mfa/totp", { method: "DELETE", body: { code: code.trim() } });
  $("#mfa-remove").reset();
  show("#mfa-codes", false);
  say("Two-step login is off.");
  showMfa(false);
});

onSubmit($("#passkey-add"), async ({ name }) => {
  const key = await addPasskey(name.trim());
  $("#passkey-add").reset();
  say(`Passkey “${key.name}” added.`);
  await showPasskeys();
});

onSubmit($("#signup"), async ({ email, password, name }) => {
  const answer = await post("/signup", { email, password, name: name || null });
  say(answer.user ? "Account created. We sent a link to confirm your email address." : "Check your email to finish signing up.");
  await load();
});

$("#send-verification").addEventListener("click", async () => {
  await post("/email/verify/send", { email: $("#email").textContent });
  say("We sent a new verification link.");
});

$("#logout").addEventListener("click", async () => {
  await post("/logout", {});
  say("You are logged out.");
  signedOut();
});

$("#logout-everywhere").addEventListener("click", async () => {
  await post("/logout", { scope: "global" });
  say("You are logged out on every device.");
  signedOut();
});

onSubmit($("#change-password"), async (fields) => {
  await api("/password/change", { method: "POST", body: fields });
  $("#change-password").reset();
  say("Password changed. Your other devices are logged out.");
  await load();
});

onSubmit($("#change-email"), async (fields) => {
  await api("/email/change", { method: "POST", body: fields });
  $("#change-email").reset();
  say(`We sent a link to ${fields.new_email}; your email changes when you open it.`);
});

onSubmit($("#delete-account"), async (fields) => {
  await api("/me", { method: "DELETE", body: fields });
  say("Your account is deleted.");
  signedOut();
});

load();
