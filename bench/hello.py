"""A bare FastAPI hello-world: the baseline of bench/hot_paths.py, served by uvicorn as the services are."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}
