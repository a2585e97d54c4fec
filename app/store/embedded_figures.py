"""The embedded store's `shop_figures`: the shop at a glance in a few indexed SQLite queries
(the same figures as migrations/0007's `pressroom_overview` gives on PostgreSQL)."""

from __future__ import annotations

import sqlite3

from app.domain import Status
from app.store.ports import ShopFigures

_FIRST_LINE = (
    "case when instr(note, char(10)) > 0 then substr(note, 1, instr(note, char(10)) - 1) "
    "else note end"
)

# Per provenance run: its cost and what the batch lane saved, counted when the run finished
# since `since` (its finished_at, or for runs recorded without one, when the row was last
# saved).
_COST = """
select coalesce(sum(case when json_type(r.value, '$.usage.cost_usd') in ('real', 'integer')
                         then json_extract(r.value, '$.usage.cost_usd') end), 0),
       coalesce(sum(case when json_type(r.value, '$.usage.saved_usd') in ('real', 'integer')
                         then json_extract(r.value, '$.usage.saved_usd') end), 0)
from item_provenance p, json_each(p.data, '$.runs') r
where p.updated_at >= :since and json_type(p.data, '$.runs') = 'array'
  and coalesce(case when json_type(r.value, '$.finished_at') in ('real', 'integer')
                    then json_extract(r.value, '$.finished_at') end, p.updated_at) >= :since
"""


def shop_figures(db: sqlite3.Connection, since: float, recent_since: float) -> ShopFigures:
    """`since` and `recent_since` in unix seconds. One read transaction, so the figures
    agree with each other."""
    params = {"since": since, "recent": recent_since, "first": min(since, recent_since)}
    db.execute("begin")
    try:
        counts = dict.fromkeys(Status, 0)
        rows = db.execute(
            "select pressroom_status, count(*) from order_items group by pressroom_status"
        ).fetchall()
        counts.update({Status(status): n for status, n in rows})
        completed, recent = db.execute(
            "select coalesce(sum(generated_at >= :since), 0), "
            "coalesce(sum(generated_at >= :recent), 0) from order_items "
            # `+`: look items up by generated_at, not among every completed one
            "where generated_at >= :first and +pressroom_status = 'completed'",
            params,
        ).fetchone()
        failed = db.execute(
            "select count(*) from item_events where action = 'failed' and at >= :since", params
        ).fetchone()[0]
        reasons = db.execute(
            f"select {_FIRST_LINE} as reason, count(*) as n from item_events "
            "where action = 'failed' and at >= :since group by reason "
            "order by n desc, reason limit 3",
            params,
        ).fetchall()
        cost, saved = db.execute(_COST, params).fetchone()
    finally:
        db.execute("commit")
    return ShopFigures(
        counts=counts,
        completed=int(completed),
        completed_recent=int(recent),
        failed=int(failed),
        failure_reasons=[(str(reason), int(n)) for reason, n in reasons],
        cost_usd=float(cost),
        saved_usd=float(saved),
    )
