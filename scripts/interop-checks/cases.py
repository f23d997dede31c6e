#!/usr/bin/env python3
"""The tokens the interop checks try, from a running local-api: a real access
token and refresh token (from a signup), an access token signed by another
key under the real key's id (forged), and one signed by the real key that
expired an hour ago (expired, made here with the private key of KEY_ENV).

usage: cases.py BASE_URL KEY_ENV AUDIENCE OUT.json
"""
import json
import sys
import time
import urllib.request
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

base, key_env, audience, out = sys.argv[1:5]

env = {}
for line in open(key_env):
    if "=" in line and not line.startswith("#"):
        name, value = line.rstrip("\n").split("=", 1)
        env[name] = value.strip("'").replace("\\n", "\n")
private_key = env["JWT_SIGNING_KEY"]

request = urllib.request.Request(
    f"{base}/signup", method="POST", headers={"content-type": "application/json"},
    data=json.dumps({"email": f"interop-{uuid.uuid4().hex[:12]}@example.com",
                     "password": "correct horse battery staple"}).encode())
signed_up = json.load(urllib.request.urlopen(request))
valid = signed_up["access_token"]
header = jwt.get_unverified_header(valid)
claims = jwt.decode(valid, options={"verify_signature": False})
headers = {"kid": header["kid"], "typ": header["typ"]}

other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
forged = jwt.encode(claims, other_key, algorithm=header["alg"], headers=headers)
now = int(time.time())
stale = dict(claims, iat=now - 7200, nbf=now - 7200, exp=now - 3600)
expired = jwt.encode(stale, private_key, algorithm=header["alg"], headers=headers)

json.dump({
    "discovery_url": f"{base}/.well-known/openid-configuration",
    "issuer": claims["iss"],
    "audience": audience,
    "sub": claims["sub"],
    "valid": valid,
    "forged": forged,
    "expired": expired,
    "refresh": signed_up["refresh_token"],
}, open(out, "w"))
