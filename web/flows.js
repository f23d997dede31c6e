// The pages mailed links open (the one-time token is in the fragment, which
// never reaches a server log or a Referer) and the page that asks for one.
import { post, token } from "/api.js";
import { $, onSubmit, say } from "/ui.js";

async function spend(path, done) {
  const value = token();
  if (!value) return say("This link is incomplete: open the whole link from the email.", "error");
  try {
    await post(path, { token: value });
    history.replaceState(null, "", location.pathname);
    say(done);
  } catch (error) {
    say(error.message, "error");
  }
}

const pages = {
  "verify-email": () => spend("/email/verify", "Your email address is verified."),
  "confirm-email": () => spend("/email/change/confirm", "Your email address is changed. Log in with the new one."),
  "forgot-password": () =>
    onSubmit($("#forgot"), async ({ email }) => {
      await post("/password/forgot", { email });
      say("If an account has this address, we sent it a link to reset the password.");
    }),
  "reset-password": () =>
    onSubmit($("#reset"), async ({ password }) => {
      const value = token();
      if (!value) return say("This link is incomplete: open the whole link from the email.", "error");
      await post("/password/reset", { token: value, password });
      history.replaceState(null, "", location.pathname);
      say("Your password is changed, and every device is logged out. Log in with the new password.");
    }),
};

pages[document.body.dataset.page]?.();
