"""A fake Supabase: the PostgREST and Storage calls Pressroom's adapter makes, over HTTP, so
the real supabase-py client is exercised. PostgREST requests run as SQL on a real
PostgreSQL (the test's database, migrations applied) under the `service_role` role, the
way PostgREST would; Storage keeps objects in memory.

PostgREST subset: GET/POST/PATCH on tables and views with `select` (columns, *, and
many-to-one embeds such as `*,orders(*)` on GET and on rpc), filters
`eq neq gt gte lt lte like ilike is in`, `order`, `limit`, `offset`, `on_conflict` and
`Prefer: return=…, resolution=…`; `POST /rpc/{fn}` with named arguments cast to the
function's declared types. Errors come back as PostgREST shapes them
(`{"code","message","details","hint"}` with its status codes).

Storage: app/proving/fake_storage.py (the same server answers both).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg
from psycopg import sql

from app.proving.fake_server import FakeServer, QuietHandler
from app.proving.fake_storage import BadRequest, FakeStorage

SERVICE_KEY = "sb_secret_test_service_key_0123456789"
IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
EMBED = re.compile(r"^([a-z_][a-z0-9_]*)\(([^()]*)\)$")
SELECT_TERM = re.compile(r"[^,()]+\([^()]*\)|[^,]+")
OPERATORS = {
    "eq": "=",
    "neq": "<>",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
    "like": "like",
    "ilike": "ilike",
}
STATUS_BY_SQLSTATE = {
    "23505": 409,
    "23503": 409,
    "42883": 404,
    "42P01": 404,
    "42501": 403,
    "22P02": 400,
    "P0001": 400,
}


def _connection_lost(exc: psycopg.Error) -> bool:
    """The database link dropped (killed backend, shutdown, network), not a refused query."""
    state = exc.diag.sqlstate or ""
    if isinstance(exc, psycopg.OperationalError) and not state:
        return True
    return state.startswith("08") or state in ("57P01", "57P02", "57P03")


def pgrst_error(message: str, code: str = "PGRST100", status: int = 400) -> BadRequest:
    return BadRequest(status, {"code": code, "message": message, "details": None, "hint": None})


def ident(name: str) -> sql.Identifier:
    if not IDENT.match(name):
        raise pgrst_error(f"unsupported name {name!r}")
    return sql.Identifier(name)


@dataclass
class Injected:
    path_prefix: str
    status: int
    body: dict[str, Any]


class FakeSupabase(FakeStorage, FakeServer):
    def __init__(self, database_url: str, service_key: str = SERVICE_KEY) -> None:
        self.database_url = database_url
        self.service_key = service_key
        self.objects: dict[tuple[str, str], tuple[bytes, str]] = {}
        self.first_uploaded: dict[tuple[str, str], float] = {}  # for the chaos run
        self.buckets: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.injected: deque[Injected] = deque()
        self.lock = threading.Lock()
        self._secret = uuid.uuid4().bytes
        self.serve(self._handler())

    def inject(self, path_prefix: str, status: int, body: dict[str, Any]) -> None:
        """Answer the next request under `path_prefix` with this status and body."""
        self.injected.append(Injected(path_prefix, status, body))

    # -- PostgREST ---------------------------------------------------------------------
    def _sql(self, query: sql.Composable, params: list[Any]) -> str:
        with psycopg.connect(self.database_url, autocommit=False) as conn:
            conn.execute("set local role service_role")
            row = conn.execute(query, params).fetchone()  # type: ignore[call-overload]
            return str(row[0]) if row and row[0] is not None else "null"

    def _columns(self, relation: str, select: str) -> sql.Composable:
        """`select` on a row aliased `_t`: columns, `*`, and many-to-one embeds (`orders(*)`:
        the referenced row as a JSON object, or null), as PostgREST gives them."""
        terms: list[sql.Composable] = []
        for term in (t.strip() for t in SELECT_TERM.findall(select)):
            embed = EMBED.match(term)
            if term == "*":
                terms.append(sql.SQL("_t.*"))
            elif embed is None:
                terms.append(sql.SQL("_t.{}").format(ident(term)))
            else:
                target, inner = embed.groups()
                fk, key = self._foreign_key(relation, target)
                cols = (
                    sql.SQL("*")
                    if inner.strip() == "*"
                    else sql.SQL(", ").join(ident(c.strip()) for c in inner.split(","))
                )
                terms.append(
                    sql.SQL(
                        "(select to_json(_e) from (select {} from {} _x where _x.{} = _t.{}) _e) "
                        "as {}"
                    ).format(
                        cols, sql.Identifier("public", target), ident(key), ident(fk), ident(target)
                    )
                )
        return sql.SQL(", ").join(terms)

    def _foreign_key(self, relation: str, target: str) -> tuple[str, str]:
        """(column of `relation`, column of `target`) of the one foreign key between them:
        the relation's own, or for a view, that of a table the view reads."""
        with psycopg.connect(self.database_url) as conn:
            rows = conn.execute(
                "select distinct a.attname::text, af.attname::text from pg_constraint c "
                "join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1] "
                "join pg_attribute af on af.attrelid = c.confrelid and af.attnum = c.confkey[1] "
                "where c.contype = 'f' and c.confrelid = to_regclass(%s) "
                "and (c.conrelid = to_regclass(%s) or c.conrelid in (select d.refobjid "
                "from pg_rewrite r join pg_depend d on d.objid = r.oid "
                "where r.ev_class = to_regclass(%s)))",
                (f"public.{target}", f"public.{relation}", f"public.{relation}"),
            ).fetchall()
        if len(rows) != 1:
            raise pgrst_error(
                f"Could not find a relationship between '{relation}' and '{target}'", "PGRST200"
            )
        return rows[0][0], rows[0][1]

    def _where(self, filters: list[tuple[str, str]]) -> tuple[sql.Composable, list[Any]]:
        parts: list[sql.Composable] = []
        params: list[Any] = []
        for column, expression in filters:
            op, _, value = expression.partition(".")
            base, arrow, field = column.partition("->>")  # a JSON field, as PostgREST reads it
            col = (
                sql.SQL("{}->>{}").format(ident(base), sql.Literal(field))
                if arrow
                else ident(column)
            )
            if op in OPERATORS:
                if op in ("like", "ilike"):
                    value = value.replace("*", "%")
                parts.append(
                    sql.SQL("{}::text {} %s").format(col, sql.SQL(OPERATORS[op]))
                    if op in ("like", "ilike")
                    else sql.SQL("{} {} %s").format(col, sql.SQL(OPERATORS[op]))
                )
                params.append(value)
            elif op == "is" and value in ("null", "true", "false"):
                parts.append(sql.SQL("{} is " + value).format(col))
            elif op == "in" and value.startswith("(") and value.endswith(")"):
                items = [v.strip('"') for v in re.findall(r'"[^"]*"|[^,]+', value[1:-1])]
                if not items:
                    parts.append(sql.SQL("false"))
                else:
                    parts.append(
                        sql.SQL("{} in ({})").format(
                            col, sql.SQL(", ").join(sql.Placeholder() for _ in items)
                        )
                    )
                    params.extend(items)
            else:
                raise pgrst_error(f'"failed to parse filter ({expression})"')
        clause = sql.SQL(" where ") + sql.SQL(" and ").join(parts) if parts else sql.SQL("")
        return clause, params

    def rest(
        self, method: str, relation: str, query: str, body: Any, prefer: str
    ) -> tuple[int, str]:
        params = parse_qsl(query, keep_blank_values=True)
        select, order, limit, offset, on_conflict = "*", "", None, None, None
        column_names: list[str] | None = None
        filters: list[tuple[str, str]] = []
        for key, value in params:
            if key == "select":
                select = value
            elif key == "order":
                order = value
            elif key == "limit":
                limit = int(value)
            elif key == "offset":
                offset = int(value)
            elif key == "on_conflict":
                on_conflict = value
            elif key == "columns":  # bulk inserts name their columns
                column_names = [c.strip().strip('"') for c in value.split(",")]
            elif key in ("or", "and", "not"):
                raise pgrst_error(f"logical filter {key} is not supported by this fake")
            else:
                filters.append((key, value))
        ident(relation)  # validates the name
        rel = sql.Identifier("public", relation)
        columns = self._columns(relation, select)
        where, values = self._where(filters)
        if method == "GET":
            order_sql: sql.Composable = sql.SQL("")
            if order:
                terms = []
                for term in order.split(","):
                    col, *mods = term.split(".")
                    direction = "desc" if "desc" in mods else "asc"
                    terms.append(sql.SQL("{} " + direction).format(ident(col)))
                order_sql = sql.SQL(" order by ") + sql.SQL(", ").join(terms)
            tail: sql.Composable = sql.SQL("")
            if limit is not None:
                tail += sql.SQL(f" limit {limit}")
            if offset is not None:
                tail += sql.SQL(f" offset {offset}")
            query_sql = sql.SQL(
                "select coalesce(json_agg(_r), '[]'::json)::text "
                "from (select {} from {} _t{}{}{}) _r"
            ).format(columns, rel, where, order_sql, tail)
            return 200, self._sql(query_sql, values)
        rows = body if isinstance(body, list) else [body]
        if not rows or not isinstance(rows[0], dict):
            raise pgrst_error("expected a JSON object or array of objects")
        names = column_names or list(rows[0])
        cols = sql.SQL(", ").join(ident(c) for c in names)
        if method == "POST":
            conflict: sql.Composable = sql.SQL("")
            if "resolution=merge-duplicates" in prefer or "resolution=ignore-duplicates" in prefer:
                keys = sql.SQL(", ").join(ident(c) for c in (on_conflict or "id").split(","))
                if "merge" in prefer:
                    updates = sql.SQL(", ").join(
                        sql.SQL("{} = excluded.{}").format(ident(c), ident(c)) for c in names
                    )
                    conflict = sql.SQL(" on conflict ({}) do update set {}").format(keys, updates)
                else:
                    conflict = sql.SQL(" on conflict ({}) do nothing").format(keys)
            change = sql.SQL(
                "insert into {} ({}) select {} from json_populate_recordset(null::{}, %s::json){}"
                " returning *"
            ).format(rel, cols, cols, rel, conflict)
            values = [json.dumps(rows), *values]
            status = 201
        elif method == "PATCH":
            change = sql.SQL(
                "update {} set ({}) = (select {} from json_populate_record(null::{}, %s::json))"
                "{} returning *"
            ).format(rel, cols, cols, rel, where)
            values = [json.dumps(rows[0]), *values]
            status = 200
        else:
            raise pgrst_error(f"{method} is not supported by this fake", status=405)
        result = self._sql(
            sql.SQL(
                "with _c as ({}) select coalesce(json_agg(_c), '[]'::json)::text from _c"
            ).format(change),
            values,
        )
        if "return=minimal" in prefer:
            return status, ""
        return status, result

    def rpc(self, function: str, body: dict[str, Any], query: str = "") -> tuple[int, str]:
        select = dict(parse_qsl(query)).get("select", "*")
        with psycopg.connect(self.database_url) as conn:
            found = conn.execute(
                "select p.proretset, t.typtype, coalesce(p.proargnames, '{}'), "
                "p.proargtypes::oid[]::regtype[]::text[], "
                "case when t.typrelid <> 0 then t.typrelid::regclass::text end from pg_proc p "
                "join pg_type t on t.oid = p.prorettype "
                "where p.proname = %s and p.pronamespace = 'public'::regnamespace",
                (function,),
            ).fetchone()
        if found is None:
            raise pgrst_error(f"Could not find the function public.{function}", "PGRST202", 404)
        returns_set, type_kind, names, types, row_relation = found
        declared = dict(zip(names, types, strict=False))
        args, values = [], []
        for name, value in body.items():
            if name not in declared:
                raise pgrst_error(f"function {function} has no argument {name}", "PGRST202", 404)
            args.append(sql.SQL("{} => %s::" + declared[name]).format(ident(name)))
            values.append(json.dumps(value) if isinstance(value, dict | list) else value)
        call = sql.SQL("{}({})").format(
            sql.Identifier("public", function), sql.SQL(", ").join(args)
        )
        if returns_set or type_kind == "c":
            columns = self._columns(row_relation, select) if row_relation else sql.SQL("_t.*")
            statement = sql.SQL(
                "select coalesce(json_agg(_r), '[]'::json)::text from (select {} from {} _t) _r"
            ).format(columns, call)
        else:
            statement = sql.SQL("select to_json({})::text").format(call)
        return 200, self._sql(statement, values)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                with fake.lock:
                    fake.requests.append((self.command, parts.path))
                    injected = next(
                        (i for i in fake.injected if parts.path.startswith(i.path_prefix)), None
                    )
                    if injected:
                        fake.injected.remove(injected)
                if injected:
                    return self._send(injected.status, json.dumps(injected.body).encode())
                signed_download = (
                    parts.path.startswith("/storage/v1/object/sign/") and self.command == "GET"
                )
                key = self.headers.get("apikey")
                bearer = (self.headers.get("authorization") or "").removeprefix("Bearer ")
                if not signed_download and (key != fake.service_key or bearer != fake.service_key):
                    if parts.path.startswith("/storage/"):
                        body: dict[str, str | None] = {
                            "statusCode": "403",
                            "error": "Unauthorized",
                            "message": "invalid signature",
                        }
                        return self._send(400, json.dumps(body).encode())
                    body = {
                        "message": "Invalid API key",
                        "hint": "Double check your Supabase `anon` or `service_role` API key.",
                    }
                    return self._send(401, json.dumps(body).encode())
                try:
                    if parts.path.startswith("/rest/v1/rpc/"):
                        status, text = fake.rpc(
                            parts.path.rsplit("/", 1)[1], json.loads(raw or b"{}"), parts.query
                        )
                        return self._send(status, text.encode())
                    if parts.path.startswith("/rest/v1/"):
                        status, text = fake.rest(
                            self.command,
                            parts.path.removeprefix("/rest/v1/"),
                            parts.query,
                            json.loads(raw or b"null"),
                            self.headers.get("prefer") or "",
                        )
                        return self._send(status, text.encode())
                    if parts.path.startswith("/storage/v1/"):
                        status, data, ctype = fake.storage(
                            self.command,
                            parts.path.removeprefix("/storage/v1/"),
                            parts.query,
                            self.headers,
                            raw,
                        )
                        return self._send(status, data, ctype)
                    raise pgrst_error(f"no route {parts.path}", status=404)
                except BadRequest as exc:
                    return self._send(exc.status, json.dumps(exc.body).encode())
                except psycopg.Error as exc:
                    diag = exc.diag
                    if _connection_lost(exc):  # as PostgREST answers when its pool's link drops
                        body = {
                            "code": "PGRST001",
                            "message": "Database client error. Retrying the connection.",
                            "details": str(exc),
                            "hint": None,
                        }
                        return self._send(503, json.dumps(body).encode())
                    code = diag.sqlstate or "XX000"
                    body = {
                        "code": code,
                        "message": diag.message_primary or str(exc),
                        "details": diag.message_detail,
                        "hint": diag.message_hint,
                    }
                    return self._send(STATUS_BY_SQLSTATE.get(code, 400), json.dumps(body).encode())
                except Exception as exc:  # a bug in the fake: say so loudly, like a 500 would
                    import traceback

                    body = {  # the same shape as PostgREST's error
                        "code": "FAKE500",
                        "message": f"fake crashed: {exc!r}",
                        "details": traceback.format_exc(),
                        "hint": None,
                    }
                    return self._send(500, json.dumps(body).encode())

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def _send(self, status: int, payload: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header(
                    "content-type",
                    ctype if ctype != "application/json" else "application/json; charset=utf-8",
                )
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
