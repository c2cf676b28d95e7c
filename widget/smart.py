"""Smart service: the taxpayer's questions to the FAQ bot, suggestions picked, and 有用/没用."""

from . import states
from .errors import IllegalTransition, ZhengnaError
from .models import Actor
from .states import State

# the stored text of replies that are not an entry's answer (the widget shows its own words)
BOT_PHRASES = {
    "zh": {
        "suggest": "您是否要咨询以下问题:",
        "reject": (
            "抱歉，我没能理解您的问题。您可以换个说法，或点击“发起人工导税”由工作人员为您解答。"
        ),
        "greeting": "您好，我是智能导税助手。请直接输入您想咨询的问题。",
    },
    "en": {
        "suggest": "Did you mean one of these questions?",
        "reject": "Sorry, I could not understand your question. Try other words, or choose "
        "“Ask for a person” and a tax officer will answer you.",
        "greeting": "Hello, I am the smart tax assistant. Please type your question.",
    },
}


class SmartService:
    """Answers from the site's knowledge base, stored as messages of the interaction and logged for
    its admin."""

    def __init__(self, service):
        self.service, self.store, self.uow = service, service.store, service.uow

    def ask(self, person, cid, text, lang="zh"):
        """Put the taxpayer's question to the bot; open a bot interaction if none is live.

        The answer is in English when the widget speaks English or the question was asked in
        English."""
        region = self.service.router.region(person["region"])
        if not region["smart_service"]:
            raise ZhengnaError("bot_off")
        live = self.service.live_of(person)
        actor = Actor.taxpayer(person)
        if live is not None:  # a resend is answered as before, even if the person moved on since
            done = self.store.conversations.find_message(live.id, "taxpayer", actor.id, cid)
            if done is not None:
                return live, done["seq"]
            if live.state is not State.BOT:
                raise ZhengnaError("not_in_bot")
        now = self.service.clock()
        kb = self.service.knowledge.for_site(person["site_id"])
        result = kb.match(text)
        asked = self.service.message_event(actor, cid, text, "text", now)
        reply = self._reply(result, kb.matcher, now, "en" if "en" in (lang, result.lang) else "zh")
        if live is None:
            record = self.service.new_record(
                person, region, states.opening_state("ask_bot", "taxpayer"), now
            )
            rows = self.uow.create(
                record, [self.service.state_event(record, "ask_bot", actor, now), asked, reply]
            )
            self.service.announce(person, record.id)
        else:
            record = live
            rows = self.uow.append(live.id, [asked, reply])
        self.store.knowledge.log_bot(
            {
                "interaction_id": record.id,
                "seq": rows[-1]["seq"],
                "site_id": person["site_id"],
                "question": text,
                "outcome": result.outcome,
                "kb_id": result.answer,
                "score": int(round(result.score * 1000)),
                "created_at": now,
            }
        )
        return record, rows[-2]["seq"]

    def pick(self, person, cid, kb_id, lang="zh"):
        """Answer the suggestion the taxpayer chose from 您是否要咨询以下问题, in the language it
        was offered in."""
        live = self.service.live_of(person)
        actor = Actor.taxpayer(person)
        if live is not None and self.store.conversations.find_message(
            live.id, "taxpayer", actor.id, cid
        ):
            return live  # a resend is answered as before, even if the person moved on since
        if live is None or live.state is not State.BOT:
            raise IllegalTransition(live.state.value if live else "none", "bot.pick", "taxpayer")
        matcher = self.service.knowledge.for_site(person["site_id"]).matcher
        try:
            entry = matcher.entry(kb_id)
        except KeyError:
            entry = None
        if entry is None:
            raise ZhengnaError("not_found.question")
        now = self.service.clock()
        question, body = entry.question_in(lang), entry.answer_in(lang)
        asked = self.service.message_event(
            actor, cid, question, "pick", now, extra={"kb_id": kb_id}
        )
        bot = {"outcome": "answer", "kb_id": kb_id, "human": False, "picked": True, "lang": lang}
        answer = self.service.message_event(Actor.bot(), None, body, "bot", now, extra={"bot": bot})
        rows = self.uow.append(live.id, [asked, answer])
        self.store.knowledge.mark_suggestion_picked(live.id, rows[0]["seq"], kb_id)
        return live

    def feedback(self, person, interaction_id, seq, value):
        """Record 有用/没用 on one bot answer of the person's interaction (a second one replaces the
        first)."""
        self.service.owned(person, interaction_id)
        if not self.store.knowledge.update_bot_log(interaction_id, seq, feedback=value):
            raise ZhengnaError("not_found.bot_answer")

    def _reply(self, result, matcher, now, lang):
        if result.outcome == "answer":
            body = matcher.entry(result.answer).answer_in(lang)
        else:
            body = BOT_PHRASES[lang][result.outcome]
        suggestions = (
            [
                {"id": kb_id, "question": matcher.entry(kb_id).question_in(lang)}
                for kb_id in result.suggestions
            ]
            if result.outcome == "suggest"
            else []
        )
        bot = {
            "outcome": result.outcome,
            "kb_id": result.answer,
            "score": round(result.score, 3),
            "suggestions": suggestions,
            "human": bool(result.human or result.outcome == "reject"),
            "lang": lang,
        }
        return self.service.message_event(Actor.bot(), None, body, "bot", now, extra={"bot": bot})
