"""A bare FastAPI hello-world: the baseline of bench/hot_paths.py, served by uvicorn as the services are.

``/hello`` is a plain ``def`` (FastAPI runs it on a worker thread), the baseline the read target has been
measured against since issue 16 was filed; ``/hello-async`` is FastAPI's first-steps example, an
``async def``, without that hop: the framework's least cost per request, reported beside it."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}


@app.get("/hello-async")
async def hello_async() -> dict[str, str]:
    return {"hello": "world"}
