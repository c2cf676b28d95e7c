"""Metrics: frames and messages counted by their labels, the labelled children kept."""

from widget.metrics import Metrics


def test_frames_and_messages_are_counted_by_label():
    metrics = Metrics()
    for _ in range(3):
        metrics.count_frame("taxpayer", "message.send")
    metrics.count_frame("agent", "message.send")
    metrics.count_message("agent")
    text = metrics.render().decode()
    assert 'zhengna_frames_total{role="taxpayer",type="message.send"} 3.0' in text
    assert 'zhengna_frames_total{role="agent",type="message.send"} 1.0' in text
    assert 'zhengna_messages_total{role="agent"} 1.0' in text
    assert 'zhengna_messages_total{role="taxpayer"}' not in text  # no child made before its first
