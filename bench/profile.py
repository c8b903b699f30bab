#!/usr/bin/env python3
"""Sends one GraphQL body N times over one keep-alive connection, one after the other.

Usage: bench/profile.py URL BODY_JSON_FILE N [TOKEN]
Used by bench/profile.sh between two callgrind dumps; exits 1 on any answer other than 200
without `errors`, so a profile never measures refusals.
"""
import http.client
import json
import sys
import urllib.parse


def main() -> int:
    url, body_file, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    token = sys.argv[4] if len(sys.argv) > 4 else ""
    with open(body_file, "rb") as f:
        body = f.read()
    target = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=600)
    headers = {"content-type": "application/json", "accept": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    for _ in range(n):
        conn.request("POST", target.path, body, headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200 or b'"errors"' in data:
            print(f"HTTP {resp.status}: {data[:400]!r}", file=sys.stderr)
            return 1
    json.loads(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
