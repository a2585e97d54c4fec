"""The fake Supabase's Storage half (app/proving/fake_supabase.py serves it): objects kept in
memory; upload (multipart, x-upsert), download, info, list, remove, signed URLs (and
downloads through them), get/create bucket; errors as `{"statusCode","error","message"}`.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, unquote


class BadRequest(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status, self.body = status, body


def storage_error(status: str, error: str, message: str, http: int = 400) -> BadRequest:
    return BadRequest(http, {"statusCode": status, "error": error, "message": message})


class FakeStorage:
    """Storage's routes, for FakeSupabase (which sets these attributes)."""

    objects: dict[tuple[str, str], tuple[bytes, str]]
    first_uploaded: dict[tuple[str, str], float]  # for the chaos run
    buckets: dict[str, dict[str, Any]]
    _secret: bytes

    def _token(self, bucket: str, path: str, expires: int) -> str:
        mac = hmac.new(self._secret, f"{bucket}/{path}:{expires}".encode(), hashlib.sha256)
        return f"{expires}.{mac.hexdigest()}"

    def _need_bucket(self, bucket: str) -> None:
        if bucket not in self.buckets:
            raise storage_error("404", "Bucket not found", "Bucket not found")

    def storage(
        self, method: str, path: str, query: str, headers: Any, raw: bytes
    ) -> tuple[int, bytes, str]:
        parts = [unquote(p) for p in path.split("/") if p]
        js = "application/json"
        if parts[:1] == ["bucket"]:
            if method == "GET" and len(parts) == 2:
                self._need_bucket(parts[1])
                return 200, json.dumps(self.buckets[parts[1]]).encode(), js
            if method == "POST":
                spec = json.loads(raw or b"{}")
                now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
                self.buckets[spec["id"]] = {  # the shape Storage answers GET /bucket/{id} with
                    "id": spec["id"],
                    "name": spec.get("name", spec["id"]),
                    "owner": "",
                    "public": bool(spec.get("public")),
                    "file_size_limit": spec.get("file_size_limit"),
                    "allowed_mime_types": spec.get("allowed_mime_types"),
                    "created_at": now,
                    "updated_at": now,
                }
                return 200, json.dumps({"name": spec["id"]}).encode(), js
        if parts[:1] != ["object"]:
            raise storage_error("404", "not_found", f"no route {path}", 404)
        rest = parts[1:]
        if rest[:1] == ["info"]:
            bucket, key = rest[1], "/".join(rest[2:])
            self._need_bucket(bucket)
            if (bucket, key) not in self.objects:
                raise storage_error("404", "not_found", "Object not found", 404)
            data, ctype = self.objects[(bucket, key)]
            return (
                200,
                json.dumps(
                    {"id": key, "name": key, "size": len(data), "content_type": ctype}
                ).encode(),
                js,
            )
        if rest[:1] == ["list"]:
            bucket = rest[1]
            self._need_bucket(bucket)
            prefix = json.loads(raw or b"{}").get("prefix", "").strip("/")
            start = f"{prefix}/" if prefix else ""
            entries: dict[str, dict[str, Any]] = {}
            for (b, key), (data, ctype) in sorted(self.objects.items()):
                if b != bucket or not key.startswith(start):
                    continue
                name, _, deeper = key[len(start) :].partition("/")
                entries[name] = (
                    {"name": name, "id": None, "metadata": None}
                    if deeper
                    else {
                        "name": name,
                        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
                        "metadata": {"size": len(data), "mimetype": ctype},
                    }
                )
            return 200, json.dumps(list(entries.values())).encode(), js
        if rest[:1] == ["sign"]:
            bucket, key = rest[1], "/".join(rest[2:])
            self._need_bucket(bucket)
            if method == "POST":
                if (bucket, key) not in self.objects:
                    raise storage_error("404", "not_found", "Object not found")
                expires = int(time.time()) + int(json.loads(raw or b"{}").get("expiresIn", 60))
                token = self._token(bucket, key, expires)
                return (
                    200,
                    json.dumps(
                        {"signedURL": f"/object/sign/{bucket}/{key}?token={token}"}
                    ).encode(),
                    js,
                )
            token = dict(parse_qsl(query)).get("token", "")
            expires = int(token.split(".", 1)[0] or 0) if "." in token else 0
            if (
                not hmac.compare_digest(token, self._token(bucket, key, expires))
                or expires < time.time()
            ):
                raise storage_error("400", "InvalidJWT", "invalid signature")
            data, ctype = self.objects[(bucket, key)]
            return 200, data, ctype
        bucket, key = rest[0], "/".join(rest[1:])
        self._need_bucket(bucket)
        if method == "DELETE" and not key:
            removed = []
            for name in json.loads(raw or b"{}").get("prefixes", []):
                if self.objects.pop((bucket, name), None) is not None:
                    removed.append({"name": name, "bucket_id": bucket})
            return 200, json.dumps(removed).encode(), js
        if method == "GET":
            if (bucket, key) not in self.objects:
                raise storage_error("404", "not_found", "Object not found")
            data, ctype = self.objects[(bucket, key)]
            return 200, data, ctype
        if method in ("POST", "PUT"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {headers.get('content-type')}\r\n\r\n".encode() + raw
            )
            file_part = next(
                (
                    p
                    for p in message.iter_parts()
                    if p.get_param("name", header="content-disposition") == "file"
                ),
                None,
            )
            if file_part is None:
                raise storage_error("400", "InvalidRequest", "no file in the upload")
            exists = (bucket, key) in self.objects
            if method == "POST" and exists and headers.get("x-upsert") != "true":
                raise storage_error("409", "Duplicate", "The resource already exists")
            payload = file_part.get_payload(decode=True)
            self.first_uploaded.setdefault((bucket, key), time.time())
            self.objects[(bucket, key)] = (
                payload if isinstance(payload, bytes) else b"",
                file_part.get_content_type(),
            )
            return 200, json.dumps({"Key": f"{bucket}/{key}", "Id": str(uuid.uuid4())}).encode(), js
        raise storage_error("405", "MethodNotAllowed", f"{method} not supported", 405)

    # -- HTTP --------------------------------------------------------------------------
