"""Muster with its cache of public answers switched off (``tests.perf.uncached:app``).

Benchmarks serve this to measure the cold path: the query and the rendering a cache
miss pays for. The per-minute memos (running events, campaign list) stay, as they do in
production; the ETag is still computed and checked.
"""

from server.asgi import app
from server.events import discovery
from server.web.caching import BodyCache

discovery._bodies = BodyCache(max_bytes=0)  # no answer is small enough to keep

__all__ = ["app"]
