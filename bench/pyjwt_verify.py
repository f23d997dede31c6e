#!/usr/bin/env python3
"""Times PyJWT verifying the tokens of verify_timing.rs's fixtures, with the same
keys and the same method (calibrated loop of about 0.2 s, 7 repeats, median).

usage: pyjwt_verify.py FIXTURES.json > RESULTS.json"""
import json
import sys
import time

import jwt


def median_ns(op):
    iterations = 1
    while True:
        start = time.perf_counter()
        for _ in range(iterations):
            op()
        if time.perf_counter() - start > 0.05:
            break
        iterations *= 2
    iterations *= 4
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(iterations):
            op()
        samples.append((time.perf_counter() - start) * 1e9 / iterations)
    return sorted(samples)[3]


fixtures = json.load(open(sys.argv[1]))
results = {}
for alg, f in fixtures.items():
    key = jwt.PyJWK(f["jwk"], algorithm=alg)
    options = {"require": ["exp", "iat", "iss", "aud", "sub"]}

    def verify():
        jwt.decode(f["token"], key, algorithms=[alg], audience=f["audience"], issuer=f["issuer"], leeway=30,
                   options=options)

    verify()
    results[alg] = {"pyjwt_ns": median_ns(verify), "pyjwt_version": jwt.__version__}
print(json.dumps(results, indent=2))
