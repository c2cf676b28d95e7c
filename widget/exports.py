"""Exports of a report's range: conversations, per-agent figures, the bot's unanswered questions.

CSV is UTF-8 with a BOM (Excel opens it as Unicode) and streamed row by row; XLSX is written by
openpyxl in write-only mode. Headers are Chinese with English beside; times are Beijing time.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import and_, case, or_, select

from . import reports
from .store.facts import BEIJING
from .store.schema import agents, bot_log, centres, report_facts

F = report_facts.c
KINDS = ("conversations", "agents", "unanswered")
FORMATS = ("csv", "xlsx")
BATCH = 2000  # rows fetched from the database at a time while streaming

OUTCOMES = {
    "live": "进行中",
    "served": "已服务",
    "abandoned": "排队中放弃",
    "bot_resolved": "智能解答",
    "left_queue": "排队中关闭",
}
SCORES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}

CONVERSATION_HEADER = [
    "创建时间 Created",
    "地区 Region",
    "运营中心 Centre",
    "纳税人识别号 TIN",
    "企业 Enterprise",
    "办税人 Person",
    "工作人员 Agent",
    "等待秒数 Wait (s)",
    "处理秒数 Handling (s)",
    "结果 Outcome",
    "结果说明 Outcome (zh)",
    "评价 Rating",
    "评价说明 Rating (zh)",
    "评价已撤销 Rating removed",
    "服务分类 Category",
    "互动编号 Interaction",
]
AGENT_HEADER = [
    "工作人员 Agent",
    "账号 Username",
    "运营中心 Centre",
    "服务量 Served",
    "处理总秒数 Handling (s)",
    "平均处理秒数 Avg handling (s)",
    "转接 Transfers",
    "在线秒数 Online (s)",
    "暂离秒数 Away (s)",
    "并发负荷 Load",
    "评价数 Rated",
    "平均评分 Avg score",
    "满意率 Satisfied",
]
UNANSWERED_HEADER = [
    "时间 Time",
    "运营中心 Centre",
    "地区 Region",
    "问题 Question",
    "智能结果 Bot outcome",
    "互动编号 Interaction",
]


def outcome():
    """The outcome of a conversation as one SQL expression (the words of OUTCOMES)."""
    return case(
        (F.state.in_(("bot", "queued", "connected")), "live"),
        (F.accepted_at.is_not(None), "served"),
        (F.state.in_(("cancelled", "expired")), "abandoned"),
        (F.queued_at.is_(None), "bot_resolved"),
        else_="left_queue",
    )


def _local(moment: datetime | None) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def conversation_rows(store, scope: reports.Scope) -> Iterator[list]:
    """Yield one row per conversation in scope, oldest first, fetched in batches."""
    query = (
        select(
            F.created_at,
            F.region,
            centres.c.name.label("centre"),
            F.tin,
            F.enterprise,
            F.person_name,
            agents.c.display_name.label("agent"),
            F.wait_s,
            F.handling_s,
            outcome().label("outcome"),
            F.score,
            F.rating_removed,
            F.category,
            F.interaction_id,
        )
        .select_from(report_facts)
        .outerjoin(centres, centres.c.id == F.centre_id)
        .outerjoin(agents, agents.c.id == F.agent_id)
        .where(scope.where())
        .order_by(F.created_at)
    )
    with store.engine.connect() as conn:
        result = conn.execution_options(yield_per=BATCH).execute(query).mappings()
        for row in result:
            yield [
                _local(row["created_at"]),
                row["region"],
                row["centre"] or "",
                row["tin"],
                row["enterprise"],
                row["person_name"],
                row["agent"] or "",
                row["wait_s"] if row["wait_s"] is not None else "",
                row["handling_s"] if row["handling_s"] is not None else "",
                row["outcome"],
                OUTCOMES[row["outcome"]],
                row["score"] if row["score"] is not None else "",
                SCORES.get(row["score"], ""),
                "是 yes" if row["rating_removed"] else "",
                row["category"],
                row["interaction_id"],
            ]


def agent_rows(store, scope: reports.Scope, now: datetime) -> Iterator[list]:
    """Yield one row per agent with figures in scope."""
    reports.ready(store, scope, now)
    with store.engine.connect() as conn:
        people = reports.per_agent(conn, scope, now)
    for a in people:
        yield [
            a["name"],
            a["username"],
            a["centre_id"],
            a["served"],
            a["handling_s"],
            _blank(a["handling_avg_s"]),
            a["transfers"],
            a["online_s"],
            a["away_s"],
            _blank(a["load"]),
            a["rated"],
            _blank(a["score_avg"]),
            _blank(a["satisfied"]),
        ]


def unanswered_rows(store, scope: reports.Scope) -> Iterator[list]:
    """Yield the questions the bot could not answer in scope: rejected, or suggestions none
    picked."""
    B = bot_log.c
    query = (
        select(B.created_at, F.centre_id, F.region, B.question, B.outcome, B.interaction_id)
        .join(report_facts, F.interaction_id == B.interaction_id)
        .where(
            B.created_at >= scope.period.start,
            B.created_at < scope.period.end,
            or_(B.outcome == "reject", and_(B.outcome == "suggest", B.picked_kb_id.is_(None))),
        )
        .order_by(B.created_at)
    )
    if scope.centres is not None:
        query = query.where(F.centre_id.in_(scope.centres))
    with store.engine.connect() as conn:
        result = conn.execution_options(yield_per=BATCH).execute(query).mappings()
        for row in result:
            yield [
                _local(row["created_at"]),
                row["centre_id"],
                row["region"],
                row["question"],
                row["outcome"],
                row["interaction_id"],
            ]


def _blank(value):
    return "" if value is None else value


def header_and_rows(kind: str, store, scope: reports.Scope, now: datetime):
    """Return (header, rows) of an export kind."""
    if kind == "conversations":
        return CONVERSATION_HEADER, conversation_rows(store, scope)
    if kind == "agents":
        return AGENT_HEADER, agent_rows(store, scope, now)
    return UNANSWERED_HEADER, unanswered_rows(store, scope)


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """Yield a CSV file in UTF-8 with a BOM, a few hundred rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for n, row in enumerate(rows, 1):
        writer.writerow([_safe_cell(cell) for cell in row])
        if n % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_bytes(title: str, header: list[str], rows: Iterable[list]) -> bytes:
    """Return an XLSX workbook of one sheet (openpyxl, write-only: rows are not kept in memory)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([_safe_cell(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe_cell(value):
    """Keep typed text from being read as a formula by a spreadsheet (=, +, -, @ first)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
