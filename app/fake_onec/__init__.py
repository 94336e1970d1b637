"""A protocol-faithful stand-in for 1C:Управление торговлей 11 published over its standard OData
interface (OData 3.0, ``/odata/standard.odata/``), for the adapter's tests and for the local demo.

It keeps its state in its own SQLite file, so that it survives a restart, and is seeded with the demo
workwear catalogue. ``pomoshnik fake-1c --port N --data FILE`` runs it alone; tests build the ASGI app
with :func:`app.fake_onec.server.create_app` and serve it on loopback.
"""
