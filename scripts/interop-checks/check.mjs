// Stock Node verifiers against local-api's access tokens: jose (the JWKS URL
// from the discovery document) and AWS's aws-jwt-verify. aws-jwt-verify
// fetches only https:// JWKS URLs, so it is given the JWKS itself through its
// documented cacheJwks(). Each must accept a real access token and refuse a
// forged, an expired and a refresh token.
//
// usage: node check.mjs CASES.json    (written by scripts/interop)
import { readFileSync } from "node:fs";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { JwtRsaVerifier } from "aws-jwt-verify";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const discovery = await (await fetch(cases.discovery_url)).json();
if (discovery.issuer !== cases.issuer) throw new Error(`issuer ${discovery.issuer}`);
const jwks = await (await fetch(discovery.jwks_uri)).json();
const remote = createRemoteJWKSet(new URL(discovery.jwks_uri));
const algorithms = discovery.id_token_signing_alg_values_supported;

const awsVerifier = JwtRsaVerifier.create({
  issuer: discovery.issuer,
  audience: cases.audience,
  jwksUri: discovery.jwks_uri,
});
awsVerifier.cacheJwks(jwks);

const verifiers = {
  jose: (token) => jwtVerify(token, remote, {
    issuer: discovery.issuer, audience: cases.audience, algorithms, typ: "at+jwt",
  }).then((r) => r.payload),
  "aws-jwt-verify": (token) => awsVerifier.verify(token),
};

const failures = [];
for (const [name, verify] of Object.entries(verifiers)) {
  try {
    const claims = await verify(cases.valid);
    if (claims.sub !== cases.sub) throw new Error(`sub ${claims.sub}`);
    console.log(`ok   ${name}: accepts the access token`);
  } catch (error) {
    failures.push(`${name} refused the access token: ${error}`);
  }
  for (const label of ["forged", "expired", "refresh"]) {
    try {
      await verify(cases[label]);
      failures.push(`${name} accepted the ${label} token`);
    } catch (error) {
      console.log(`ok   ${name}: refuses the ${label} token (${error.name})`);
    }
  }
}
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
