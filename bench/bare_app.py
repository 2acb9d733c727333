"""The baseline of P1/P2: a bare Flask + SQLAlchemy app, no validation, auth, audit or outbox.

gunicorn 'bench.bare_app:create_app()' with DATABASE_URL set.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

metadata = MetaData()
items = Table("bench_items", metadata, Column("id", Integer, primary_key=True),
              Column("title", String(500), nullable=False))


def prepare(url: str) -> None:
    """The table and its first 100 rows, made once before the server starts (not per worker)."""
    engine = create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        if conn.execute(select(items.c.id).limit(1)).first() is None:
            conn.execute(insert(items), [{"title": f"row {i}"} for i in range(100)])
    engine.dispose()


def create_app() -> Flask:
    """One insert endpoint and one select-by-primary-key endpoint."""
    engine = create_engine(os.environ["DATABASE_URL"], pool_size=5, max_overflow=5)
    app = Flask("bare")

    @app.post("/bare/items")
    def create_item():
        with engine.begin() as conn:
            new_id = conn.execute(insert(items).values(title=request.get_json()["title"])
                                  .returning(items.c.id)).scalar_one()
        return jsonify(id=new_id), 201

    @app.get("/bare/items/<int:item_id>")
    def get_item(item_id: int):
        with engine.connect() as conn:
            row = conn.execute(select(items).where(items.c.id == item_id)).first()
        return jsonify(id=row.id, title=row.title)

    return app
