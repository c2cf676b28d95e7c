"""The scaled-out bus: Redis pub/sub carries events between server processes."""

import json
import logging

import gevent
import redis
from gevent.event import Event
from gevent.lock import Semaphore

from .base import Bus
from .memory import MemoryBus

log = logging.getLogger(__name__)
_KEEPALIVE = "zhengna:bus"  # always subscribed, so the listener never runs out of channels
_SUBSCRIBE_WAIT = 5.0  # seconds to wait for Redis to confirm a subscription


class RedisBus(Bus):
    """Publishes to Redis; one listener greenlet hands messages to this process's subscribers."""

    name = "redis"

    def __init__(self, url, prefix="zhengna:"):
        self.prefix = prefix
        self.client = redis.Redis.from_url(url, health_check_interval=30)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=False)
        self.local = MemoryBus()
        self._write = Semaphore()
        self._confirmed = {}  # channel -> Event set when Redis confirms the subscription
        self._listening = {}  # channel -> local subscriber count
        self._resume_callbacks = []
        self._lost = False  # the listener lost its connection: messages may have gone by
        self._subscribe(_KEEPALIVE)
        self._listener = gevent.spawn(self._listen)
        self._confirmed[_KEEPALIVE].wait(_SUBSCRIBE_WAIT)

    def publish(self, channel, message):
        self.client.publish(self.prefix + channel, json.dumps(message, ensure_ascii=False))

    def subscribe(self, channel, callback):
        """Subscribe and return only once Redis has confirmed, so nothing published after is
        missed."""
        handle = self.local.subscribe(channel, callback)
        self._listening[channel] = self._listening.get(channel, 0) + 1
        if self._listening[channel] == 1:
            self._subscribe(self.prefix + channel)
            if not self._confirmed[self.prefix + channel].wait(_SUBSCRIBE_WAIT):
                log.warning("Redis did not confirm the subscription to %s", channel)
        return (channel, handle)

    def unsubscribe(self, handle):
        channel, inner = handle
        self.local.unsubscribe(inner)
        count = self._listening.get(channel, 0) - 1
        if count > 0:
            self._listening[channel] = count
            return
        self._listening.pop(channel, None)
        self._confirmed.pop(self.prefix + channel, None)
        with self._write:
            self.pubsub.unsubscribe(self.prefix + channel)

    def on_resume(self, callback):
        self._resume_callbacks.append(callback)

    def healthy(self):
        try:
            return bool(self.client.ping()) and not self._listener.dead
        except redis.RedisError:
            return False

    def close(self):
        self._listener.kill()
        self.pubsub.close()
        self.client.close()

    def _subscribe(self, full_channel):
        self._confirmed.setdefault(full_channel, Event())
        with self._write:
            self.pubsub.subscribe(full_channel)

    def _listen(self):
        while True:
            try:
                for item in self.pubsub.listen():
                    self._handle(item)
            except redis.RedisError:
                log.exception("Redis bus listener lost its connection; reconnecting")
                self._lost = True
                gevent.sleep(1)

    def _resumed(self):
        """Tell whoever asked: what was published while this process was not listening is lost."""
        log.warning("Redis bus listening again; catching every socket up from the store")
        for callback in self._resume_callbacks:
            try:
                callback()
            except Exception:
                log.exception("bus resume callback failed")

    def _handle(self, item):
        channel = (
            item["channel"].decode() if isinstance(item["channel"], bytes) else item["channel"]
        )
        if item["type"] == "subscribe":
            event = self._confirmed.get(channel)
            if event is not None:
                event.set()
            if self._lost:  # subscribed again: one SUBSCRIBE renews every channel at once
                self._lost = False
                self._resumed()
        elif item["type"] == "message" and channel.startswith(self.prefix):
            self.local.publish(channel[len(self.prefix) :], json.loads(item["data"]))
