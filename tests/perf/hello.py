"""The ceiling: a Litestar hello-world, served exactly like Muster (``tests.perf.hello:app``)."""

from litestar import Litestar, MediaType, get


@get("/", media_type=MediaType.TEXT)
async def hello() -> str:
    return "Hello, world!"


app = Litestar(route_handlers=[hello])
