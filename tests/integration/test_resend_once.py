"""The widget's outbox resends a frame with the same cid until it is answered: a leave-a-message
or a bot question resent after the link dropped is stored once and answered the same way."""

from cryptography.fernet import Fernet

from tests.support import ServerProcess, agent, taxpayer


def _count(server, sql, *args):
    with server.store().engine.connect() as conn:
        return conn.exec_driver_sql(sql, args).scalar()


def test_a_resent_leave_message_is_stored_once(server, person):
    ag, _ = agent(server)  # agent1 of centre demo, which serves region 4402
    who = person()
    tp, _ = taxpayer(server, who, region="4402")
    frame = {"type": "leave.submit", "cid": "leave-1", "text": "请回电", "contact": "13800000000"}
    first = tp.reply(tp.request(frame))
    again = tp.reply(tp.request(frame))  # the same cid: the outbox resending it
    assert first["type"] == "reply" and again == first
    other = tp.reply(tp.request({**frame, "cid": "leave-2"}))  # the same words typed again
    assert other["type"] == "reply" and other["id"] != first["id"]
    rows = [r for r in server.store().conversations.leave_messages_of("demo") if r["tin"] == who]
    assert sorted(r["id"] for r in rows) == sorted([first["id"], other["id"]])
    assert {r["cid"] for r in rows} == {"leave-1", "leave-2"}
    # the centre heard of each stored message once: the resend published nothing (the bus keeps
    # a channel's order, so a second leave.new for the first would come before the other's)
    told = []
    while not told or told[-1] != other["id"]:
        told.append(ag.expect("leave.new")["id"])
    assert told == [first["id"], other["id"]]
    tp.close()
    ag.close()


def test_the_same_cid_from_another_person_is_their_own_message(server, person):
    frame = {"type": "leave.submit", "cid": "shared-cid", "text": "请回电"}
    one, _ = taxpayer(server, person(), region="4402")
    two, _ = taxpayer(server, person(), region="4402")
    first, second = one.reply(one.request(frame)), two.reply(two.request(frame))
    assert first["type"] == second["type"] == "reply" and first["id"] != second["id"]
    one.close()
    two.close()


def test_a_resent_bot_question_and_pick_make_one_bot_turn_each(server, person):
    tp, _ = taxpayer(server, person(), region="4401")
    ask = {"type": "bot.ask", "cid": "ask-1", "text": "红字发票怎么开"}
    first = tp.reply(tp.request(ask))
    again = tp.reply(tp.request(ask))
    assert first["type"] == "reply" and again == first
    iid = first["interaction_id"]
    bot = tp.message(iid, "bot")["bot"]
    kb_id = bot["kb_id"] or bot["suggestions"][0]["id"]
    pick = {"type": "bot.pick", "cid": "pick-1", "kb_id": kb_id}
    picked = tp.reply(tp.request(pick))
    assert picked["type"] == "reply" and tp.reply(tp.request(pick)) == picked
    messages = "SELECT count(*) FROM messages WHERE interaction_id = ?"
    assert _count(server, messages + " AND cid = ?", iid, "ask-1") == 1
    assert _count(server, messages + " AND cid = ?", iid, "pick-1") == 1
    assert _count(server, messages + " AND sender_role = 'bot'", iid) == 2  # one answer each
    assert _count(server, "SELECT count(*) FROM bot_log WHERE interaction_id = ?", iid) == 1
    # both replies lost, then a person asked for: the resends still get their first answers
    queued = tp.reply(tp.request({"type": "human.request"}))
    assert queued["interaction_id"] == iid and queued["state"] == "queued"
    assert tp.reply(tp.request(ask)) == first and tp.reply(tp.request(pick)) == picked
    fresh = tp.reply(tp.request({**ask, "cid": "ask-2"}))  # a new question is refused as before
    assert fresh["type"] == "error" and fresh["code"] == "not_in_bot"
    assert _count(server, messages, iid) == 4
    tp.reply(tp.request({"type": "interaction.close", "interaction_id": iid}))
    tp.close()


def test_a_leave_message_resent_to_the_other_server_is_stored_once(
    tmp_path, postgres, redis_service, person
):
    """Scaled out on PostgreSQL: the reconnect lands on the other process, the insert meets the
    unique index and the stored row answers."""
    env = {
        "ZHENGNA_DATABASE_URL": postgres.create_database(),
        "ZHENGNA_REDIS_URL": redis_service.url,
        "ZHENGNA_SITE_KEYS_KEY": Fernet.generate_key().decode(),
    }
    one = ServerProcess(tmp_path / "a", env=env)
    try:
        two = ServerProcess(tmp_path / "b", env=env)
        try:
            who = person()
            frame = {"type": "leave.submit", "cid": "leave-pg", "text": "请回电"}
            first_tab, _ = taxpayer(one, who, region="4402")
            first = first_tab.reply(first_tab.request(frame))
            first_tab.close()
            again_tab, _ = taxpayer(two, who, region="4402")
            again = again_tab.reply(again_tab.request(frame))
            again_tab.close()
            assert first["type"] == "reply" and again == first
            rows = [
                r for r in one.store().conversations.leave_messages_of("demo") if r["tin"] == who
            ]
            assert [r["id"] for r in rows] == [first["id"]]
        finally:
            two.stop()
    finally:
        one.stop()
