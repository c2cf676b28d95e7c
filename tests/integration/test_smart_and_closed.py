"""Bot feedback, messages left outside working hours, and a centre's hours reaching the widget."""

from tests.support import taxpayer


def test_feedback_on_a_bot_answer_is_stored(server, person):
    tp, _ = taxpayer(server, person(), region="4401")
    iid = tp.reply(tp.request({"type": "bot.ask", "text": "红字发票怎么开"}))["interaction_id"]
    bot = tp.message(iid, "bot")
    answer = tp.reply(
        tp.request(
            {"type": "bot.feedback", "interaction_id": iid, "seq": bot["seq"], "value": "down"}
        )
    )
    assert answer["type"] == "reply"
    with server.store().engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT feedback, question, outcome FROM bot_log WHERE interaction_id = ?", (iid,)
        ).all()
    assert rows == [("down", "红字发票怎么开", bot["bot"]["outcome"])]
    wrong = tp.reply(
        tp.request({"type": "bot.feedback", "interaction_id": iid, "seq": 1, "value": "up"})
    )
    assert wrong["code"] == "not_found"  # seq 1 is the state change, not a bot answer
    tp.reply(tp.request({"type": "interaction.close", "interaction_id": iid}))
    tp.close()


def test_closed_centre_refuses_human_service_and_takes_a_message(server, person):
    tp, hello = taxpayer(server, person(), region="4409")
    assert hello["centre"] == {**hello["centre"], "id": "closed", "open": False, "next_open": None}
    refused = tp.reply(tp.request({"type": "human.request"}))
    assert refused["type"] == "error" and refused["code"] == "centre_closed"
    assert "留言" in refused["zh"] and refused["detail"]["next_open"] is None
    stored = tp.reply(
        tp.request(
            {"type": "leave.submit", "text": "请回电说明红字发票流程", "contact": "13800000000"}
        )
    )
    rows = server.store().conversations.leave_messages_of("closed")
    assert [r["id"] for r in rows if r["id"] == stored["id"]] and rows[0][
        "text"
    ] == "请回电说明红字发票流程"
    tp.close()


def test_centre_closing_reaches_the_widget_and_expires_the_queue(start_server, person):
    from widget.routing import ALL_DAY, NEVER

    server = start_server(SWEEP_INTERVAL=0.2)
    tp, hello = taxpayer(server, person(), region="4402")
    assert hello["centre"]["open"] is True
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    store = server.store()
    store.directory.update_centre("demo", schedule=NEVER)
    assert tp.expect("centre.status")["centre"]["open"] is False
    expired = tp.expect("interaction.state", interaction_id=iid, state="expired")
    assert expired["reason"] == "centre_closed" and expired["ended_by"] == "system"
    store.directory.update_centre("demo", schedule=ALL_DAY)
    assert tp.expect("centre.status")["centre"]["open"] is True
    tp.close()
