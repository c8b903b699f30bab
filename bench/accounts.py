#!/usr/bin/env python3
"""Signs in the accounts `passerelle user create --json` printed (one JSON object per line on
stdin), replaces each temporary password, and prints one session token per line.
Usage: passerelle user create ... --json | bench/accounts.py GRAPHQL_URL"""
import json
import sys
import urllib.request

url = sys.argv[1]


def gql(query, variables, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, json.dumps({"query": query, "variables": variables}).encode(), headers)
    answer = json.load(urllib.request.urlopen(req))
    if answer.get("errors"):
        sys.exit(f"sign-in failed: {answer}")
    return answer["data"]


for line in sys.stdin:
    account = json.loads(line)
    token = gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                {"e": account["email"], "p": account["temporaryPassword"]})["login"]["token"]
    gql("mutation($c: String!) { changePassword(currentPassword: $c, newPassword: \"une phrase de passe longue\") { user { id } } }",
        {"c": account["temporaryPassword"]}, token)
    print(token)
