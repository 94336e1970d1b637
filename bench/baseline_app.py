"""The baseline of the intake benchmark: bare FastAPI endpoints that insert the same rows as the
full intake (an order, its lines, two history events; an amoCRM delivery) with SQLAlchemy Core, and
nothing else."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel
from sqlalchemy import insert

from app.core.db import create_engine
from app.models.events import Event
from app.models.orders import Order, OrderLine, WebhookDelivery

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


@app.post("/webhooks/amocrm")
async def webhook(request: Request) -> dict[str, Any]:
    body = (await request.body()).decode("utf-8", errors="replace")
    async with engine.begin() as conn:
        delivery_id = (
            await conn.execute(
                insert(WebhookDelivery).returning(WebhookDelivery.id),
                [
                    {
                        "source": "amocrm",
                        "received_at": datetime.now(UTC),
                        "content_type": request.headers.get("content-type", ""),
                        "body": body,
                        "status": "received",
                        "attempts": 0,
                        "order_ids": [],
                    }
                ],
            )
        ).scalar_one()
    return {"delivery_id": delivery_id}
