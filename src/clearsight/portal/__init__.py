"""The portal: one FastAPI app serving the REST API (``/api/v1``) and server-rendered pages."""
