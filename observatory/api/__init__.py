"""The REST API (Flask, imported only here): `create_blueprint(db)` for /api/v1, `create_api_app(db)` standalone."""

from .app import PREFIX, create_api_app, create_blueprint

__all__ = ["PREFIX", "create_api_app", "create_blueprint"]
