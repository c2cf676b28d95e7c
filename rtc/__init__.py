"""The media worker: a plain-asyncio aiortc process that relays and records calls (see
docs/MEDIA.md).

Never import gevent, Flask or anything from `widget/` here: this package runs in its own process.
"""
