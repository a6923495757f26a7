"""Local Hugging Face Hub servers for the tests, on 127.0.0.1 only. Test code: never shipped as a feature.

* **olah** (PyPI), a real self-hosted Hub mirror, serves the read side (model info, file listings, resolve,
  revisions) from ordinary git repositories under ``MIRRORS/models/<org>/<name>``, fully offline.
* **UploadServer** (this file) is the write side. It implements the Hub's upload protocol as
  ``huggingface_hub`` uses it:

  - ``POST /api/repos/create`` — creates the git repository olah serves (409 if it exists); a Space's
    (``type: space``) under ``MIRRORS/spaces/<org>/<name>``, written like a model's (olah does not serve it);
  - ``POST /api/models|spaces/<repo>/branch/<branch>`` — creates a branch (409 if it exists);
  - ``POST /api/validate-yaml`` — checks a model card's YAML front matter;
  - ``POST /api/models|spaces/<repo>/preupload/<rev>`` — answers "regular" for every file (contents inline);
  - ``POST /api/models|spaces/<repo>/commit/<rev>`` — NDJSON header + base64 files, written as one git commit on
    the branch with git plumbing (olah serves it at once);

  and forwards every other request to olah, so one endpoint (``HF_ENDPOINT``) serves both push and pull.
  Tokens: ``--write-token`` may write, ``--read-token`` may only read (403 on writes), no token gets 401 on
  writes; private repositories answer "not found" to reads without a token.

  Not implemented: LFS and Xet uploads, deleted or copied files, pull requests, ``parentCommit`` checks,
  users and organisations (any namespace is accepted), deleting or renaming repositories.

Run ``python tests/hub_servers.py --port P --olah http://127.0.0.1:Q --mirrors DIR --write-token T``.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import subprocess
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROUTE = re.compile(r"^/api/(?P<kind>models|spaces)/(?P<repo>[^/]+/[^/]+)/(?P<action>preupload|commit|branch)/(?P<rev>.+)$")
READ = re.compile(r"^(?:/api/models)?/(?P<repo>[\w.-]+/[\w.-]+)(?:/|$)")


def git(repo: Path, *args: str, input: bytes | None = None, env: dict | None = None) -> str:
    out = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, check=True,
                         env={**os.environ, "GIT_AUTHOR_NAME": "hub", "GIT_AUTHOR_EMAIL": "hub@localhost",
                              "GIT_COMMITTER_NAME": "hub", "GIT_COMMITTER_EMAIL": "hub@localhost", **(env or {})})
    return out.stdout.decode().strip()


def create_repo(mirrors: Path, repo_id: str, kind: str = "models") -> Path:
    """An ordinary git repository with a first commit on ``main``, as olah expects (`kind`: models or spaces)."""
    path = mirrors / kind / repo_id
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    (path / ".gitattributes").write_text("*.safetensors binary\n")
    git(path, "add", ".gitattributes")
    git(path, "commit", "-q", "-m", "initial commit")
    return path


def commit_files(repo: Path, branch: str, files: dict[str, bytes], message: str) -> str:
    """Commit `files` onto `branch` without touching the working tree; returns the commit id."""
    index = repo / ".git" / "upload-index"
    env = {"GIT_INDEX_FILE": str(index)}
    parent = git(repo, "rev-parse", f"refs/heads/{branch}")
    git(repo, "read-tree", parent, env=env)
    for path, content in files.items():
        blob = git(repo, "hash-object", "-w", "--stdin", input=content)
        git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = git(repo, "write-tree", env=env)
    commit = git(repo, "commit-tree", tree, "-p", parent, "-m", message)
    git(repo, "update-ref", f"refs/heads/{branch}", commit)
    index.unlink(missing_ok=True)
    return commit


class Handler(BaseHTTPRequestHandler):
    server: "UploadServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    # -- helpers -------------------------------------------------------------------------------
    def reply(self, status: int, body: dict | None = None, headers: dict | None = None) -> None:
        data = json.dumps(body or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else None

    def may_write(self) -> bool:
        token = self.token()
        if token == self.server.write_token:
            return True
        if token in self.server.read_tokens:
            self.reply(403, {"error": "You don't have the rights to write to this repository"})
        else:
            self.reply(401, {"error": "Invalid username or password."}, {"X-Error-Code": "Unauthorized"})
        return False

    def repo_path(self, repo_id: str, kind: str = "models") -> Path:
        return self.server.mirrors / kind / repo_id

    # -- write routes --------------------------------------------------------------------------
    def do_POST(self) -> None:
        path = urllib.parse.urlparse(self.path).path
        if path == "/api/validate-yaml":
            return self.validate_yaml()
        if path == "/api/repos/create":
            return self.create()
        match = ROUTE.match(path)
        if not match:
            return self.forward()
        repo_id, rev = match["repo"], urllib.parse.unquote(match["rev"])
        data = self.body()
        if not self.may_write():
            return None
        repo = self.repo_path(repo_id, match["kind"])
        if not repo.is_dir():
            return self.reply(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        if match["action"] == "branch":
            return self.branch(repo, rev, json.loads(data or b"{}"))
        if match["action"] == "preupload":
            files = json.loads(data)["files"]
            return self.reply(200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]})
        return self.commit(repo, repo_id, rev, data)

    def validate_yaml(self) -> None:
        import yaml

        content = json.loads(self.body())["content"]
        match = re.match(r"^---\n(.*?)\n---\n", content, re.S)
        try:
            meta = yaml.safe_load(match[1]) if match else {}
            if meta is not None and not isinstance(meta, dict):
                raise yaml.YAMLError("front matter is not a mapping")
        except yaml.YAMLError as exc:
            return self.reply(400, {"errors": [{"message": str(exc)}]})
        return self.reply(200, {"errors": [], "warnings": []})

    def create(self) -> None:
        payload = json.loads(self.body())
        if not self.may_write():
            return None
        repo_id = f"{payload.get('organization')}/{payload['name']}"
        kind = "spaces" if payload.get("type") == "space" else "models"
        if self.repo_path(repo_id, kind).exists():
            return self.reply(409, {"error": "You already created this repo", "url": f"{self.server.url}/{repo_id}"})
        create_repo(self.server.mirrors, repo_id, kind)
        if payload.get("private") or payload.get("visibility") == "private":
            self.server.private.add(repo_id)
        return self.reply(200, {"url": f"{self.server.url}/{repo_id}"})

    def branch(self, repo: Path, branch: str, payload: dict) -> None:
        if git(repo, "branch", "--list", branch):
            return self.reply(409, {"error": f"Reference refs/heads/{branch} already exists"})
        git(repo, "branch", branch, payload.get("startingPoint") or "main")
        return self.reply(200, {})

    def commit(self, repo: Path, repo_id: str, branch: str, data: bytes) -> None:
        lines = [json.loads(line) for line in data.splitlines() if line.strip()]
        header = next(item["value"] for item in lines if item["key"] == "header")
        files = {}
        for item in lines:
            if item["key"] == "header":
                continue
            if item["key"] != "file":
                return self.reply(501, {"error": f"{item['key']} operations are not implemented by this test server"})
            name = item["value"]["path"]
            if name.startswith("/") or ".." in name.split("/"):
                return self.reply(400, {"error": f"invalid path {name}"})
            files[name] = base64.b64decode(item["value"]["content"])
        if not git(repo, "branch", "--list", branch):
            return self.reply(404, {"error": f"Invalid rev id: {branch}"}, {"X-Error-Code": "RevisionNotFound"})
        message = header["summary"] + ("\n\n" + header["description"] if header.get("description") else "")
        oid = commit_files(repo, branch, files, message)
        return self.reply(200, {"commitUrl": f"{self.server.url}/{repo_id}/commit/{oid}", "commitOid": oid, "pullRequestUrl": None})

    # -- everything else: olah -----------------------------------------------------------------
    def do_GET(self) -> None:
        self.forward()

    def do_HEAD(self) -> None:
        self.forward()

    def forward(self) -> None:
        match = READ.match(urllib.parse.urlparse(self.path).path)
        if match and match["repo"] in self.server.private and self.token() not in {self.server.write_token, *self.server.read_tokens}:
            return self.reply(401, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        body = self.body() if self.command == "POST" else None
        conn = http.client.HTTPConnection(self.server.olah.hostname, self.server.olah.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)) if self.command != "HEAD" else response.getheader("Content-Length", "0"))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()


class UploadServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, olah: str, mirrors: Path, write_token: str, read_tokens: list[str]) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}"
        self.olah = urllib.parse.urlparse(olah)
        self.mirrors, self.write_token, self.read_tokens = mirrors, write_token, read_tokens
        self.private: set[str] = set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--olah", required=True)
    parser.add_argument("--mirrors", type=Path, required=True)
    parser.add_argument("--write-token", required=True)
    parser.add_argument("--read-token", action="append", default=[])
    args = parser.parse_args()
    UploadServer(args.port, args.olah, args.mirrors, args.write_token, args.read_token).serve_forever()


if __name__ == "__main__":
    main()
