// The home page: log in or sign up, then who am I, sessions and the account.
import { api, forget, post, signedIn } from "/api.js";
import { $, onSubmit, say, show } from "/ui.js";

const when = (iso) => new Date(iso).toLocaleString();

async function showAccount(user) {
  show("#signed-out", false);
  show("#signed-in", true);
  $("#email").textContent = user.email;
  $("#verified").textContent = user.email_verified ? "(verified)" : "(not verified yet)";
  show("#send-verification", !user.email_verified);
  const rows = (await api("/sessions")).map((s) => {
    const row = document.createElement("tr");
    const cells = [when(s.created_at), when(s.last_used_at)].map((text) => {
      const cell = document.createElement("td");
      cell.textContent = text;
      return cell;
    });
    const action = document.createElement("td");
    if (s.current) {
      action.textContent = "this device";
    } else {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = "Log out this device";
      button.addEventListener("click", async () => {
        await api(`/sessions/${encodeURIComponent(s.id)}`, { method: "DELETE" });
        say("That device is logged out.");
        await load();
      });
      action.append(button);
    }
    row.append(...cells, action);
    return row;
  });
  $("#sessions").replaceChildren(...rows);
}

function signedOut() {
  forget();
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
  await post("/login", { email, password });
  say("");
  await load();
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
