"""Each site's knowledge base: the shipped national entries plus the site's own, kept live across
processes."""

import json
import time
from collections import Counter

import gevent

from .bot.kb import Entry, KnowledgeBase, layer, load_entries
from .bot.thesaurus import MAX_TERM, Pair, Thesaurus, ThesaurusError, check_pair
from .errors import ZhengnaError

RECHECK_SECONDS = 5.0  # how stale another process's KB edit may be here before we notice it
_FIELDS = (
    "id",
    "category",
    "question",
    "aliases",
    "similar",
    "answer",
    "question_en",
    "aliases_en",
    "answer_en",
)


class Knowledge:
    """Gives each site a KnowledgeBase and applies administrators' edits to it without a restart."""

    def __init__(self, store, clock, national=None):
        self.store, self.clock = store, clock
        self.national = national if national is not None else load_entries()
        self._national_kb = None
        self._sites = {}  # site id -> (version, KnowledgeBase, checked at monotonic)

    def for_site(self, site_id):
        """Return the site's current KnowledgeBase (rebuilt off the event loop when it changed)."""
        cached = self._sites.get(site_id)
        if cached and time.monotonic() - cached[2] < RECHECK_SECONDS:
            return cached[1]
        version = self.store.knowledge.kb_version(site_id)
        if cached and cached[0] == version:
            self._sites[site_id] = (version, cached[1], time.monotonic())
            return cached[1]
        own = [_entry(row) for row in self.store.knowledge.kb_entries_of(site_id)]
        pairs = self.store.knowledge.kb_pairs_of(site_id)
        if not own and not pairs:
            kb = self._national()
        else:
            thesaurus = _with_site_pairs(pairs)
            kb = _build_in_thread(lambda: KnowledgeBase.layered(self.national, own, thesaurus))
        self._sites[site_id] = (version, kb, time.monotonic())
        return kb

    def warm(self):
        """Build the national index now (at start) rather than on the first question."""
        self._national()

    def _national(self):
        if self._national_kb is None:
            self._national_kb = KnowledgeBase(self.national)
        return self._national_kb

    def entries(self, site_id, query=""):
        """Return the site's entries as dicts with their source (national, site, override), filtered
        by query."""
        own = {row["id"]: row for row in self.store.knowledge.kb_entries_of(site_id)}
        national = {entry.id for entry in self.national}
        items = []
        for entry in layer(self.national, [_entry(row) for row in own.values()]):
            source = (
                "national"
                if entry.id not in own
                else ("override" if entry.id in national else "site")
            )
            item = {
                **entry.to_json(),
                "similar": list(entry.similar),
                "question_en": entry.question_en,
                "aliases_en": list(entry.aliases_en),
                "answer_en": entry.answer_en,
                "source": source,
            }
            if not query or _contains(item, query):
                items.append(item)
        return items

    def entry(self, site_id, entry_id):
        """Return one entry of the site as a dict, or raise not_found."""
        for item in self.entries(site_id):
            if item["id"] == entry_id:
                return item
        raise ZhengnaError("not_found.kb_entry")

    def put(self, site_id, items, who):
        """Validate and store entries for the site (each replacing any with its id); effective at
        once."""
        rows = [_validated(item, n) for n, item in enumerate(items, start=1)]
        now = self.clock()
        self.store.knowledge.put_kb_entries(
            site_id, [dict(row, updated_at=now, updated_by=who) for row in rows]
        )
        self._sites.pop(site_id, None)
        return rows

    def add_alias(self, site_id, entry_id, text, who):
        """Teach an entry a new way of asking (from the admin's insights list)."""
        text = (text or "").strip()
        if not 0 < len(text) <= 200:
            raise ZhengnaError("bad_field.alias")
        item = self.entry(site_id, entry_id)
        if text not in item["aliases"]:
            item["aliases"].append(text)
        return self.put(site_id, [item], who)[0]

    def delete(self, site_id, entry_id):
        """Drop the site's own version of an entry (a national one shows through again)."""
        if not self.store.knowledge.delete_kb_entry(site_id, entry_id):
            raise ZhengnaError("not_found.kb_own_entry")
        self._sites.pop(site_id, None)

    def export(self, site_id):
        """Return the site's whole KB as faq-shaped JSON lines."""
        return "".join(
            json.dumps({k: item[k] for k in _FIELDS}, ensure_ascii=False) + "\n"
            for item in self.entries(site_id)
        )

    def import_lines(self, site_id, text, who):
        """Store every line of a JSONL import, or none of them if any line is bad (naming the
        line)."""
        items = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError:
                raise ZhengnaError("bad_import", {"line": n}, line=n) from None
        if not items:
            raise ZhengnaError("bad_import.empty")
        return self.put(site_id, items, who)

    # -- the thesaurus: the shipped pairs plus each site's own ------------------------------------

    def thesaurus(self, site_id):
        """Return every pair in force for the site: shipped ones (with the voices they came from)
        and the site's own (which replace a shipped pair with the same variant)."""
        own = {row["variant"].lower(): row for row in self.store.knowledge.kb_pairs_of(site_id)}
        items = [
            {
                "variant": p.variant,
                "canonical": p.canonical,
                "sources": list(p.sources),
                "source": "shipped",
            }
            for p in Thesaurus.load().pairs
            if p.variant.lower() not in own
        ]
        items += [
            {
                "variant": row["variant"],
                "canonical": row["canonical"],
                "sources": ["site"],
                "source": "site",
                "created_by": row["created_by"],
                "created_at": row["created_at"].isoformat(),
            }
            for row in own.values()
        ]
        return items

    def check_pair(self, site_id, variant, canonical):
        """Say what adding variant -> canonical would do to the site's KB (entries touched, whether
        the KB's own questions still find their entries) and whether it may be added."""
        entries = self.for_site(site_id).entries
        base = _with_site_pairs(self.store.knowledge.kb_pairs_of(site_id))
        try:
            check = _build_in_thread(lambda: check_pair(entries, variant, canonical, base))
        except ThesaurusError as exc:
            raise ZhengnaError(exc.code, max=MAX_TERM) from None
        return {
            "variant": check.variant,
            "canonical": check.canonical,
            "entries": list(check.entries),
            "checked": check.checked,
            "right_before": check.right_before,
            "right_after": check.right_after,
            "moved": [{"question": q, "to": to} for q, to in check.moved],
            "verdict": check.verdict,
            "reason": {"zh": check.reason_zh, "en": check.reason_en},
        }

    def add_pair(self, site_id, variant, canonical, who):
        """Add a pair for the site if its check accepts it; refuse it, saying why, if not."""
        check = self.check_pair(site_id, variant, canonical)
        if check["verdict"] != "accept":
            raise ZhengnaError(
                "thesaurus_rejected",
                {"check": check},
                reason_zh=check["reason"]["zh"],
                reason_en=check["reason"]["en"],
            )
        row = {
            "variant": check["variant"],
            "canonical": check["canonical"],
            "created_at": self.clock(),
            "created_by": who,
        }
        self.store.knowledge.put_kb_pair(site_id, row)
        self._sites.pop(site_id, None)
        return check

    def delete_pair(self, site_id, variant):
        """Remove one of the site's own pairs (shipped pairs are changed in the shipped file)."""
        if not self.store.knowledge.delete_kb_pair(site_id, variant):
            raise ZhengnaError("not_found.thesaurus_pair")
        self._sites.pop(site_id, None)

    def insights(self, site_id, since, limit=20):
        """Return the most frequent questions the bot could not answer, and the answers people
        disliked."""
        unanswered, disliked, picked = Counter(), Counter(), {}
        samples = {}
        for row in self.store.knowledge.bot_log_since(site_id, since):
            key = _key(row["question"])
            samples.setdefault(key, row)
            if row["outcome"] in ("reject", "suggest"):
                unanswered[key] += 1
                if row["picked_kb_id"]:
                    picked.setdefault(key, Counter())[row["picked_kb_id"]] += 1
            if row["feedback"] == "down":
                disliked[key] += 1

        def view(key, count):
            row = samples[key]
            best = picked.get(key, Counter()).most_common(1)
            return {
                "question": row["question"],
                "count": count,
                "outcome": row["outcome"],
                "kb_id": row["kb_id"],
                "picked_kb_id": best[0][0] if best else None,
                "last_at": row["created_at"].isoformat(),
            }

        return {
            "unanswered": [view(k, c) for k, c in unanswered.most_common(limit)],
            "disliked": [view(k, c) for k, c in disliked.most_common(limit)],
        }


def _with_site_pairs(rows):
    """Return the shipped thesaurus with the site's own pairs on top."""
    shipped = Thesaurus.load()
    if not rows:
        return shipped
    return shipped.with_pairs(Pair(r["variant"], r["canonical"], ("site",)) for r in rows)


def _entry(row):
    return Entry(
        id=row["id"],
        question=row["question"],
        answer=row["answer"],
        category=row["category"],
        aliases=tuple(row["aliases"]),
        similar=tuple(row["similar"]),
        question_en=row.get("question_en") or "",
        aliases_en=tuple(row.get("aliases_en") or ()),
        answer_en=row.get("answer_en") or "",
    )


def _validated(item, n):
    if not isinstance(item, dict):
        raise ZhengnaError("bad_entry", n=n)
    texts = {
        name: str(item.get(name) or "").strip()
        for name in ("id", "category", "question", "answer", "question_en", "answer_en")
    }
    lists = {}
    for name in ("aliases", "similar", "aliases_en"):
        value = item.get(name) or []
        if not isinstance(value, list) or not all(
            isinstance(v, str) and 0 < len(v.strip()) <= 200 for v in value
        ):
            raise ZhengnaError("bad_entry.list", n=n, name=name)
        lists[name] = list(dict.fromkeys(v.strip() for v in value))
    limits = {
        "id": 64,
        "category": 64,
        "question": 200,
        "answer": 4000,
        "question_en": 300,
        "answer_en": 6000,
    }
    if bool(texts["question_en"]) != bool(texts["answer_en"]):
        raise ZhengnaError("bad_entry.english", n=n)
    for name, limit in limits.items():
        if not texts[name] and name in ("id", "question", "answer"):
            raise ZhengnaError("bad_entry.missing", n=n, name=name)
        if len(texts[name]) > limit:
            raise ZhengnaError("bad_entry.too_long", n=n, name=name, limit=limit)
    return {**texts, **lists}


def _contains(item, query):
    query = query.strip().lower()
    return any(
        query in str(value).lower()
        for value in (
            item["id"],
            item["question"],
            item["answer"],
            *item["aliases"],
            item["category"],
            item.get("question_en", ""),
            item.get("answer_en", ""),
            *item.get("aliases_en", ()),
        )
    )


def _key(question):
    return "".join(question.split()).lower()


def _build_in_thread(build):
    """Run a CPU-bound build on a real thread so the loop keeps serving (the GIL is shared, but
    released often)."""
    return gevent.get_hub().threadpool.apply(build)
