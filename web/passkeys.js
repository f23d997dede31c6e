// Passkeys in the browser: the API's WebAuthn Level 3 JSON options go to
// the browser's own parsers, and the credential goes back as its toJSON().
// Nothing here decodes or checks a credential: the API does, with webauthn-rs.
import { api, post } from "/api.js";

export const supported = () =>
  typeof PublicKeyCredential !== "undefined" &&
  typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
  typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";

function unsupported() {
  throw new Error("This browser cannot use passkeys here: it lacks WebAuthn's JSON support.");
}

// A cancelled or timed-out prompt is the user's choice, not a failure to report as one.
async function ask(make) {
  try {
    return await make();
  } catch (error) {
    if (error.name === "NotAllowedError") throw new Error("The passkey prompt was closed or timed out.");
    if (error.name === "InvalidStateError") throw new Error("This authenticator already holds a passkey for your account.");
    throw error;
  }
}

export async function addPasskey(name) {
  if (!supported()) unsupported();
  const started = await api("/passkeys/register/start", { method: "POST", body: name ? { name } : {} });
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(started.publicKey);
  const credential = await ask(() => navigator.credentials.create({ publicKey }));
  return api("/passkeys/register/finish", {
    method: "POST",
    body: { challenge_id: started.challenge_id, credential: credential.toJSON() },
  });
}

export async function logInWithPasskey() {
  if (!supported()) unsupported();
  const started = await post("/login/passkey/start");
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(started.publicKey);
  const credential = await ask(() => navigator.credentials.get({ publicKey }));
  return post("/login/passkey/finish", { challenge_id: started.challenge_id, credential: credential.toJSON() });
}
