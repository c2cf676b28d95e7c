"""Reports at provincial size: fill N synthetic conversations over 12 months, then time the reports.

8 centres, 200 agents, about 10 messages a conversation, outcomes and ratings in realistic shares.
The fill writes what the reports read (interactions, report_facts, rating_reasons, the transcript
index) in bulk, with the indexes built after the load; it leaves the messages and events tables
empty, which no timed query reads. Timed (median and worst of --repeat runs after one warm-up):

  month report         reports.report() over the last whole month, every centre (the province)
  centre month         the same for one centre
  agent month          the same for one agent
  day CSV              the conversations export of one day, every centre, as CSV bytes
  word search          search.find() for a two-character word (红冲) in every day kept, newest 50

    python bench/report_load.py --conversations 1000000     # a SQLite file in a temp dir
    python bench/report_load.py --conversations 1000000 --url postgresql+psycopg://HOST/EMPTY_DB
"""

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from widget import exports, reports, search  # noqa: E402
from widget.store import Store  # noqa: E402
from widget.store.facts import BEIJING  # noqa: E402
from widget.store.schema import (  # noqa: E402
    agents,
    centres,
    interactions,
    rating_reasons,
    report_facts,
)

CENTRES, AGENTS, MONTHS = 8, 200, 12
HOUR_WEIGHTS = [
    1,
    1,
    1,
    1,
    1,
    2,
    4,
    10,
    40,
    90,
    100,
    95,
    60,
    70,
    95,
    100,
    90,
    60,
    25,
    15,
    10,
    6,
    3,
    2,
]
TAGS_GOOD = ["态度好", "解答清楚", "响应及时"]
TAGS_BAD = ["等待久", "没解决问题", "态度差"]
# Messages people write (one of them mentions 红冲, as about 3 % of conversations do).
PHRASES = [
    "您好，请问数电票怎么开具",
    "我们公司的发票额度不够用了，怎么申请调整",
    "增值税专用发票抵扣勾选在哪里操作",
    "个人所得税汇算清缴什么时候截止",
    "电子税务局登录不上去，提示密码错误",
    "小规模纳税人季度申报怎么填写",
    "印花税按次申报还是按期申报",
    "社保费缴费基数在哪里查询",
    "跨区域涉税事项报告怎么办理",
    "开错了发票需要作废还是冲红",
    "好的，请您稍等，我帮您查询一下",
    "请提供一下您的纳税人识别号",
    "您可以在我的待办里找到这个事项",
    "这个问题需要到办税服务厅现场办理",
    "谢谢，问题已经解决了",
    "请问还有其他问题吗",
    "出口退税申报系统怎么下载",
    "财务报表报送期限是什么时候",
]
RED = "上个月开的发票需要红冲，红字确认单怎么填"


def tokens_of(texts):
    """Segment each distinct text once (the fill reuses them)."""
    return {t: search.tokens(t) for t in texts}


def synthesise(n, now, seed=7):
    """Yield (interaction row, facts row, reasons, message texts) for n conversations over 12
    months, in the order they were created (as a live system stores them)."""
    rng = random.Random(seed)
    first = (now - timedelta(days=365)).date()
    agent_ids = [f"ag{i:03d}" for i in range(AGENTS)]
    moments = sorted(
        (rng.randrange(365), rng.choices(range(24), HOUR_WEIGHTS)[0], rng.randrange(3600))
        for _ in range(n)
    )
    for i, (offset, hour, second) in enumerate(moments):
        day = first + timedelta(days=offset)
        local = datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING) + timedelta(
            seconds=second
        )
        created = local.astimezone(UTC)
        centre = f"c{rng.randrange(CENTRES)}"
        agent = agent_ids[int(centre[1:]) * (AGENTS // CENTRES) + rng.randrange(AGENTS // CENTRES)]
        iid = f"b{i:011d}"
        queued = accepted = agent_id = wait = handling = score = None
        transfers = calls = call_s = 0
        roll = rng.random()
        if roll < 0.45:  # the bot alone
            state, ended = "ended", created + timedelta(seconds=rng.randint(20, 300))
            count = rng.randint(2, 6)
        else:
            queued = created + timedelta(seconds=rng.randint(0, 120))
            roll = rng.random()
            if roll < 0.08:  # left while waiting
                state = rng.choice(("cancelled", "expired"))
                ended = queued + timedelta(seconds=rng.randint(30, 900))
                count = rng.randint(2, 5)
            elif roll < 0.11:
                state, ended, count = "ended", queued + timedelta(seconds=rng.randint(10, 300)), 3
            else:
                state = "ended"
                wait = min(1800, int(rng.expovariate(1 / 40)))
                accepted = queued + timedelta(seconds=wait)
                handling = int(min(7200, rng.lognormvariate(5.6, 0.6)))
                ended = accepted + timedelta(seconds=handling)
                agent_id = agent
                transfers = 1 if rng.random() < 0.05 else 0
                if rng.random() < 0.03:
                    calls, call_s = 1, rng.randint(30, 600)
                if rng.random() < 0.6:
                    score = rng.choices((5, 4, 3, 2, 1), (80, 10, 5, 3, 2))[0]
                count = rng.randint(8, 16)
        texts = [rng.choice(PHRASES) for _ in range(count)]
        if rng.random() < 0.03:
            texts[rng.randrange(count)] = RED
        tin = f"91{rng.randrange(10**15):015d}X"
        interaction = {
            "id": iid,
            "site_id": "demo",
            "tin": tin,
            "sub": f"s{i}",
            "person_name": f"办税人{i % 9973}",
            "enterprise": f"企业{i % 49999}有限公司",
            "region": f"44{int(centre[1:]):02d}",
            "centre_id": centre,
            "state": state,
            "call_state": "none",
            "agent_id": None,
            "ended_by": "agent" if accepted else "taxpayer",
            "seq": count,
            "version": 3,
            "created_at": created,
            "queued_at": queued,
            "connected_at": accepted,
            "ended_at": ended,
            "last_activity_at": ended,
            "taxpayer_read_seq": 0,
            "agent_read_seq": 0,
        }
        facts = {
            "interaction_id": iid,
            "site_id": "demo",
            "centre_id": centre,
            "region": interaction["region"],
            "tin": tin,
            "enterprise": interaction["enterprise"],
            "person_name": interaction["person_name"],
            "created_at": created,
            "day": local.strftime("%Y-%m-%d"),
            "hour": hour,
            "state": state,
            "queued_at": queued,
            "accepted_at": accepted,
            "ended_at": ended,
            "agent_id": agent_id,
            "wait_s": wait,
            "handling_s": handling,
            "transfers": transfers,
            "requeues": 0,
            "calls": calls,
            "call_s": call_s,
            "call_started_at": None,
            "messages": count,
            "category": "发票" if accepted else "",
            "score": score,
            "rating_removed": score is not None and rng.random() < 0.005,
        }
        reasons = []
        if score is not None and rng.random() < 0.5:
            reasons = [rng.choice(TAGS_GOOD if score >= 3 else TAGS_BAD)]
        yield interaction, facts, reasons, texts


def fill(store, n, now, batch=20000):
    """Write n conversations; return seconds taken."""
    began = time.perf_counter()
    segmented = tokens_of(PHRASES + [RED])
    dialect = store.engine.dialect.name
    with store.engine.begin() as conn:
        for c in range(CENTRES):
            conn.execute(
                insert(centres).values(id=f"c{c}", name=f"运营中心{c}", schedule={}, created_at=now)
            )
        conn.execute(
            insert(agents),
            [
                {
                    "id": f"ag{a:03d}",
                    "username": f"ag{a:03d}",
                    "password_hash": "-",
                    "display_name": f"坐席{a:03d}",
                    "centre_id": f"c{a // (AGENTS // CENTRES)}",
                    "role": "agent",
                    "max_concurrent": 5,
                    "presence": "offline",
                    "disabled": False,
                    "created_at": now,
                }
                for a in range(AGENTS)
            ],
        )
    index_names = _drop_indexes(store)
    rows = synthesise(n, now)
    done = 0
    while done < n:
        chunk = [next(rows) for _ in range(min(batch, n - done))]
        done += len(chunk)
        reasons = [
            {"interaction_id": c[1]["interaction_id"], "tag": t} for c in chunk for t in c[2]
        ]
        with store.engine.begin() as conn:
            _rows(conn, dialect, interactions, [c[0] for c in chunk])
            _rows(conn, dialect, report_facts, [c[1] for c in chunk])
            _rows(conn, dialect, rating_reasons, reasons)
            _index(store, conn, [(c[0]["id"], segmented[t]) for c in chunk for t in c[3]])
        print(f"\r  {done:,} / {n:,} conversations", end="", flush=True)
    print()
    _create_indexes(store, index_names)
    return time.perf_counter() - began


def _rows(conn, dialect, table, rows):
    """Insert rows: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    if dialect != "postgresql":
        conn.execute(insert(table), rows)
        return
    names = list(rows[0])
    raw = conn.connection.driver_connection
    with raw.cursor().copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in names])


def _index(store, conn, docs):
    """Add the documents to the transcript index: PostgreSQL's table, or SQLite's file of its own
    (its mark stays at 0: the messages table is left empty)."""
    if store.engine.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor().copy(f"COPY {search.PG_TABLE} (interaction_id, doc) FROM STDIN") as copy:
            for iid, toks in docs:
                copy.write_row((iid, search.tsvector(toks)))
        return
    with sqlite3.connect(store.indexer.path) as index:
        index.executemany(
            f"INSERT INTO {search.FTS_TABLE} (words, interaction_id) VALUES (?, ?)",
            [(" ".join(toks), iid) for iid, toks in docs],
        )


def _drop_indexes(store):
    """Drop the secondary indexes of the filled tables (rebuilt once after the load)."""
    from sqlalchemy import inspect

    found = []
    inspector = inspect(store.engine)
    for table in ("interactions", "report_facts"):
        for index in inspector.get_indexes(table):
            found.append((table, index["name"], index["column_names"]))
    if store.engine.dialect.name == "postgresql":
        found.append((search.PG_TABLE, f"ix_{search.PG_TABLE}_doc", None))
        found.append((search.PG_TABLE, f"ix_{search.PG_TABLE}_iid", ["interaction_id"]))
    with store.engine.begin() as conn:
        for _, name, _ in found:
            conn.execute(text(f"DROP INDEX {name}"))
    return found


def _create_indexes(store, found):
    began = time.perf_counter()
    with store.engine.begin() as conn:
        for table, name, columns in found:
            if columns is None:
                conn.execute(text(f"CREATE INDEX {name} ON {table} USING GIN (doc)"))
            else:
                conn.execute(text(f"CREATE INDEX {name} ON {table} ({', '.join(columns)})"))
        if store.engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    print(f"  indexes built in {time.perf_counter() - began:.1f} s")


def timed(label, fn, repeat):
    """Run fn once (the first run reads pages from disk, builds a month's rollups), then repeat."""
    began = time.perf_counter()
    fn()
    first = time.perf_counter() - began
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - began)
    print(
        f"  {label:<14} median {statistics.median(runs) * 1000:7.0f} ms   "
        f"worst {max(runs) * 1000:7.0f} ms   first {first * 1000:7.0f} ms   ({result})"
    )
    return statistics.median(runs)


def measure(store, now, repeat):
    """Time the four reports (and one centre's month)."""
    today = now.astimezone(BEIJING).date()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    month = reports.period(
        "custom", now, last_month_end.replace(day=1).isoformat(), last_month_end.isoformat()
    )
    day = reports.period("custom", now, *(2 * [(last_month_end - timedelta(days=3)).isoformat()]))
    everything = reports.period("custom", now, "2000-01-01", today.isoformat(), None)
    province = reports.Scope(month)

    def month_report(scope):
        return lambda: f"requests {reports.report(store, scope, now)['figures']['requests']:,}"

    def day_csv():
        header, rows = exports.header_and_rows("conversations", store, reports.Scope(day), now)
        data = b"".join(exports.csv_chunks(header, rows))
        lines = data.count(b"\n") - 1
        return f"{lines:,} rows, {len(data) / 1e6:.1f} MB"

    def word_search():
        found = search.find(store, reports.Scope(everything), words="红冲")
        return f"{len(found)} shown"

    print(f"  month {month.first} .. {month.last}, day {day.first}")
    return {
        "month report": timed("month report", month_report(province), repeat),
        "centre month": timed("centre month", month_report(reports.Scope(month, ("c3",))), repeat),
        "agent month": timed(
            "agent month", month_report(reports.Scope(month, None, "ag077")), repeat
        ),
        "day CSV": timed("day CSV", day_csv, repeat),
        "word search": timed("word search", word_search, repeat),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--url", help="an empty database (default: a SQLite file in a temp dir)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'reports.db'}"
    store = Store(url, sqlite_synchronous="OFF")
    store.migrate()
    now = datetime.combine(date.today(), datetime.min.time(), BEIJING).replace(hour=15)
    print(f"{store.engine.dialect.name}: filling {args.conversations:,} conversations")
    seconds = fill(store, args.conversations, now)
    print(f"  filled in {seconds:.0f} s")
    measure(store, now, args.repeat)
    store.dispose()


if __name__ == "__main__":
    main()
