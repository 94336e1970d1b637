"""The baseline of the intake benchmark: a bare FastAPI endpoint that inserts the same rows as the
full intake (an order, its lines, two history events) with SQLAlchemy Core, and nothing else."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import insert

from app.core.db import create_engine
from app.models.events import Event
from app.models.orders import Order, OrderLine

engine = create_engine(os.environ["APP_DB__URL"], pool_size=10)
app = FastAPI()


class Line(BaseModel):
    product_id: str
    price_category: str
    quantity: int


class Body(BaseModel):
    channel: str
    client_id: int
    lines: list[Line]


@app.post("/orders", status_code=201)
async def create(body: Body) -> dict[str, Any]:
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        order_id = (
            await conn.execute(
                insert(Order).returning(Order.id),
                [
                    {
                        "channel": body.channel,
                        "source": "api",
                        "client_id": body.client_id,
                        "status": "accepted",
                        "problems": {},
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                ],
            )
        ).scalar_one()
        await conn.execute(
            insert(OrderLine),
            [
                {
                    "order_id": order_id,
                    "position": i + 1,
                    "product_id": line.product_id,
                    "name": "x",
                    "price_category": line.price_category,
                    "quantity": line.quantity,
                    "suggestions": [],
                    "not_applicable": [],
                }
                for i, line in enumerate(body.lines)
            ],
        )
        await conn.execute(
            insert(Event),
            [
                {"occurred_at": now, "entity_type": "order", "entity_id": order_id, "action": action}
                for action in ("received", "accepted")
            ],
        )
    return {"id": order_id}
