"""The Agent World Model way of serving an environment, as a baseline for bench/env-host.bench.ts.

One FastAPI app, one uvicorn worker, SQLAlchemy sessions over a SQLite file, a tool as a POST route.
It serves the same read tool as the farm's shop env (list_categories) over the same rows.

    /usr/bin/python3 server.py --db world.db --seed seed.json --port 8001
"""
import argparse
import json
import os

import uvicorn
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

LIST_CATEGORIES = text(
    """SELECT c.id, c.name, c.slug, c.parent_id, c.description,
              (SELECT COUNT(*) FROM products p JOIN categories s ON s.id = p.category_id
               WHERE s.id = c.id OR s.parent_id = c.id) AS products
       FROM categories c ORDER BY c.id"""
)


def load_seed(db_path: str, seed_path: str) -> None:
    """Builds the SQLite file from the schema and rows the bench exported from a farm instance."""
    import sqlite3

    with open(seed_path) as f:
        seed = json.load(f)
    con = sqlite3.connect(db_path)
    con.executescript(seed["schema"])
    for table, data in seed["tables"].items():
        cols = data["columns"]
        marks = ",".join("?" for _ in cols)
        con.executemany(f"INSERT INTO {table} ({','.join(cols)}) VALUES ({marks})", data["rows"])
    con.commit()
    con.close()


def list_categories(db: Session) -> dict:
    rows = [dict(r._mapping) for r in db.execute(LIST_CATEGORIES)]
    by_id = {r["id"]: r["name"] for r in rows}
    return {"categories": [{**r, "parent": by_id.get(r["parent_id"])} for r in rows]}


TOOLS = {"list_categories": list_categories}


class ToolCall(BaseModel):
    tool: str
    args: dict = {}


def make_app(db_path: str) -> FastAPI:
    engine = create_engine(f"sqlite:///{db_path}", connect_args={"check_same_thread": False})
    SessionLocal = sessionmaker(bind=engine, autocommit=False, autoflush=False)

    def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            db.close()

    app = FastAPI()

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @app.post("/call")
    def call(body: ToolCall, db: Session = Depends(get_db)):
        return TOOLS[body.tool](db, **body.args)

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--seed")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if args.seed and not os.path.exists(args.db):
        load_seed(args.db, args.seed)
    uvicorn.run(make_app(args.db), host="127.0.0.1", port=args.port, workers=1, log_level="warning", access_log=False)
