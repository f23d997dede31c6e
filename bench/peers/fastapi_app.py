"""The Python alternative this project is measured against: FastAPI with
PyJWT (RS256) and argon2-cffi, doing the same work as `GET /me` behind the
authorizer and `POST /login`, with the same checks and parameters.

  uvicorn bench.peers.fastapi_app:app          the HTTP server for wrk
  awslambdaric bench.peers.fastapi_app.handler the Lambda (FastAPI + Mangum)

PEER_STORE=memory (default) keeps the sample user in a dict; PEER_STORE=dynamodb
reads and writes the same DynamoDB items as the Rust functions, with boto3.
"""
import json
import os
import time
import uuid

import argon2
import jwt
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse
from mangum import Mangum

ISSUER = os.environ.get("JWT_ISSUER", "http://127.0.0.1:3000")
AUDIENCE = os.environ.get("JWT_AUDIENCE", "jwt-auth-local")
LEEWAY = 30
PRIVATE_KEY = os.environ["JWT_SIGNING_KEY"].replace("\\n", "\n")
KEYS = {k["kid"]: jwt.PyJWK(k) for k in json.loads(os.environ["JWT_VERIFY_KEYS"])["keys"]}
KID = os.environ["JWT_SIGNING_KID"]
HASHER = argon2.PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16)


class MemoryStore:
    def __init__(self):
        self.users = {}
        self.sessions = {}

    def add(self, user_id, email, password):
        self.users[email] = {"id": user_id, "email": email, "name": "Ada", "hash": HASHER.hash(password),
                             "created_at": "2026-11-23T00:00:00Z"}

    def credentials(self, email):
        return self.users.get(email)

    def profile(self, user_id):
        return next((u for u in self.users.values() if u["id"] == user_id), None)

    def create_session(self, user_id, family, token, now, expires):
        self.sessions[token] = (user_id, family, now, expires)


class DynamoStore:
    def __init__(self):
        import boto3
        self.table = os.environ["TABLE_NAME"]
        self.client = boto3.client("dynamodb", endpoint_url=os.environ.get("DYNAMODB_ENDPOINT"))

    def credentials(self, email):
        item = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                    Key={"pk": {"S": f"EMAIL#{email}"}, "sk": {"S": "EMAIL"}}).get("Item")
        return item and {"id": item["user_id"]["S"], "email": email, "hash": item["password_hash"]["S"]}

    def profile(self, user_id):
        item = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                    Key={"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "PROFILE"}}).get("Item")
        return item and {"id": item["id"]["S"], "email": item["email"]["S"], "name": item.get("name", {}).get("S"),
                         "created_at": item["created_at"]["N"]}

    def create_session(self, user_id, family, token, now, expires):
        pk = {"S": f"USER#{user_id}"}
        self.client.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "ConditionExpression": "attribute_not_exists(pk)", "Item": {
                "pk": pk, "sk": {"S": f"FAMILY#{family}"}, "created_at": {"N": str(now)},
                "expires_at": {"N": str(expires)}, "ttl": {"N": str(expires)}}}},
            {"Put": {"TableName": self.table, "ConditionExpression": "attribute_not_exists(pk)", "Item": {
                "pk": pk, "sk": {"S": f"TOKEN#{token}"}, "family_id": {"S": family}, "issued_at": {"N": str(now)},
                "expires_at": {"N": str(expires)}, "ttl": {"N": str(expires)}}}},
        ])


STORE = DynamoStore() if os.environ.get("PEER_STORE") == "dynamodb" else MemoryStore()
if isinstance(STORE, MemoryStore):
    STORE.add("6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47", "ada@example.com", "correct horse battery staple")

app = FastAPI()


def error(status, code, description):
    return JSONResponse({"error": code, "error_description": description}, status_code=status,
                        headers={"cache-control": "no-store"})


@app.post("/login")
async def login(request: Request):
    body = await request.json()
    email, password = body["email"].strip().lower(), body["password"]
    user = STORE.credentials(email)
    try:
        HASHER.verify(user["hash"] if user else DECOY, password)
        if not user:
            raise argon2.exceptions.VerifyMismatchError
    except argon2.exceptions.VerificationError:
        return error(400, "invalid_grant", "the email or password is incorrect")
    now = int(time.time())
    family, token = uuid.uuid4().hex, uuid.uuid4().hex
    headers = {"kid": KID}
    access = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": user["id"], "iat": now, "nbf": now, "exp": now + 900,
                         "jti": uuid.uuid4().hex, "email": email, "scope": ""}, PRIVATE_KEY, "RS256",
                        headers=dict(headers, typ="at+jwt"))
    refresh = jwt.encode({"iss": ISSUER, "aud": ISSUER, "sub": user["id"], "iat": now, "nbf": now,
                          "exp": now + 2_592_000, "jti": token, "fam": family}, PRIVATE_KEY, "RS256",
                         headers=dict(headers, typ="rt+jwt"))
    STORE.create_session(user["id"], family, token, now, now + 2_592_000)
    return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": 900, "refresh_token": refresh,
                         "refresh_expires_in": 2_592_000}, headers={"cache-control": "no-store", "pragma": "no-cache"})


@app.get("/me")
async def me(authorization: str = Header(None)):
    # What the Rust authorizer and `me` do together. `async def`: the work never
    # waits on I/O, and a plain `def` would add a thread-pool hop to every request.
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return JSONResponse({"message": "Unauthorized"}, status_code=401)
    try:
        header = jwt.get_unverified_header(token)
        if header.get("typ") != "at+jwt" or header.get("kid") not in KEYS:
            raise jwt.InvalidTokenError("typ or kid")
        claims = jwt.decode(token, KEYS[header["kid"]], algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER,
                            leeway=LEEWAY, options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    except jwt.InvalidTokenError:
        return JSONResponse({"message": "Forbidden"}, status_code=403)
    user = STORE.profile(claims["sub"])
    if not user:
        return error(401, "invalid_token", "the user no longer exists")
    return JSONResponse({"id": user["id"], "email": user["email"], "name": user.get("name"),
                         "created_at": user["created_at"]}, headers={"cache-control": "no-store"})


# Like the Rust functions: a constant, well-formed hash no password matches,
# so an unknown email costs one verification and nothing at start-up.
DECOY = "$argon2id$v=19$m=19456,t=2,p=1$ZGVjb3lzYWx0ZGVjb3lzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
handler = Mangum(app, lifespan="off")
