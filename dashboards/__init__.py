"""The observatory's Dash app: `create_app(db)` builds it; `observatory serve` serves it with waitress."""

from .app import create_app

__all__ = ["create_app"]
