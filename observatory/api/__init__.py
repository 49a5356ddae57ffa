"""The REST API (Flask, imported only here): `create_blueprint(db)` for /api/v1, `create_api_app(db)`
standalone; one module per resource (units, indicators, index, models, plans, meta)."""

from ._params import PREFIX
from ._security import API_CSP, with_security_headers
from .app import create_api_app, create_blueprint

__all__ = ["API_CSP", "PREFIX", "create_api_app", "create_blueprint", "with_security_headers"]
