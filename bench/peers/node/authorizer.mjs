// The Node authorizer the Rust one is measured against, written the way AWS
// recommends: aws-jwt-verify's JwtRsaVerifier created once at init with the
// JWKS loaded into it (no fetch on the request path), answering API Gateway
// HTTP API simple responses and REST policies like the Rust authorizer.
//
// Lambda's Node runtime client, aws-lambda-ric 4.0.2, requires Node >= 22 and
// builds curl and aws-lambda-cpp from source with cmake when installed; this
// machine's Debian Node is 20, so the runtime loop below is the minimal
// Runtime API client in plain Node instead (the same three calls: next,
// response, error), over the built-in fetch.
import { JwtRsaVerifier } from "aws-jwt-verify";

const verifier = JwtRsaVerifier.create({
  issuer: process.env.JWT_ISSUER,
  audience: process.env.JWT_AUDIENCE,
  // Never fetched: the keys are cached below, as the library documents for a JWKS known at init.
  jwksUri: "https://jwks.invalid/.well-known/jwks.json",
});
verifier.cacheJwks(JSON.parse(process.env.JWT_VERIFY_KEYS));

function presented(event) {
  const header =
    event.authorizationToken ?? event.headers?.authorization ?? event.headers?.Authorization ?? "";
  return header.startsWith("Bearer ") ? header.slice(7) : null;
}

function answer(event, allowed, claims) {
  if (event.version === "2.0") {
    return allowed ? { isAuthorized: true, context: { sub: claims.sub, email: claims.email } } : { isAuthorized: false };
  }
  const effect = allowed ? "Allow" : "Deny";
  return {
    principalId: allowed ? claims.sub : "anonymous",
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: event.methodArn ?? event.routeArn ?? "*" }],
    },
  };
}

async function handler(event) {
  const token = presented(event);
  if (!token) return answer(event, false);
  try {
    return answer(event, true, await verifier.verify(token));
  } catch {
    return answer(event, false);
  }
}

const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation`;
for (;;) {
  const next = await fetch(`${api}/next`);
  const id = next.headers.get("lambda-runtime-aws-request-id");
  const event = await next.json();
  try {
    const result = await handler(event);
    await fetch(`${api}/${id}/response`, { method: "POST", body: JSON.stringify(result) });
  } catch (error) {
    const body = JSON.stringify({ errorType: "Error", errorMessage: String(error) });
    await fetch(`${api}/${id}/error`, { method: "POST", body });
  }
}
