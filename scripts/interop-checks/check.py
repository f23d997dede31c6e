#!/usr/bin/env python3
"""Stock Python verifiers against local-api's access tokens: PyJWT's
PyJWKClient (given the JWKS URL from the discovery document) and Authlib
(given the JWKS the discovery document names). Each must accept a real
access token and refuse a forged, an expired and a refresh token.

usage: check.py CASES.json    (written by scripts/interop)
"""
import json
import sys
import urllib.request

import warnings

import jwt

# Authlib points users of authlib.jose to its successor joserfc; the checks
# use the API most deployed code still calls.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import JoseError

cases = json.load(open(sys.argv[1]))
discovery = json.load(urllib.request.urlopen(cases["discovery_url"]))
assert discovery["issuer"] == cases["issuer"], discovery
issuer, audience = discovery["issuer"], cases["audience"]
algorithms = discovery["id_token_signing_alg_values_supported"]


def pyjwt(token):
    client = jwt.PyJWKClient(discovery["jwks_uri"])
    key = client.get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=algorithms, audience=audience, issuer=issuer,
                      options={"require": ["exp", "iat", "iss", "aud", "sub"]})


def authlib(token):
    keys = JsonWebKey.import_key_set(json.load(urllib.request.urlopen(discovery["jwks_uri"])))
    claims = JsonWebToken(algorithms).decode(
        token, keys, claims_options={"iss": {"essential": True, "value": issuer},
                                     "aud": {"essential": True, "value": audience}})
    claims.validate()
    return claims


failures = []
for name, verify in [("PyJWT PyJWKClient", pyjwt), ("Authlib", authlib)]:
    try:
        claims = verify(cases["valid"])
        assert claims["sub"] == cases["sub"], claims
        print(f"ok   {name}: accepts the access token")
    except Exception as error:  # noqa: BLE001
        failures.append(f"{name} refused the access token: {error!r}")
    for label in ["forged", "expired", "refresh"]:
        try:
            verify(cases[label])
            failures.append(f"{name} accepted the {label} token")
        except (jwt.PyJWTError, JoseError, ValueError) as error:
            print(f"ok   {name}: refuses the {label} token ({type(error).__name__})")
if failures:
    sys.exit("\n".join(failures))
