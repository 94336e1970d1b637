"""HTTP edge: routers per domain, dependencies, problem details, middleware."""
