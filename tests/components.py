"""
Reading a Dash component tree as a person reads the page: find a component by id, and the text it
shows. Shared by the app's callback tests.
"""

from __future__ import annotations

from typing import Any


def find(component: Any, component_id: Any) -> Any:
    """The component with `component_id` in a tree (None if absent)."""
    if getattr(component, "id", None) == component_id:
        return component
    children = component if isinstance(component, list) else getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            hit = find(child, component_id)
            if hit is not None:
                return hit
    return None


def texts(component: Any) -> list[str]:
    """Every piece of text a reader sees in a component tree: children strings and title tooltips."""
    if component is None:
        return []
    if isinstance(component, str):
        return [component]
    if isinstance(component, int | float):
        return [str(component)]
    if isinstance(component, list | tuple):
        return [s for child in component for s in texts(child)]
    found = texts(getattr(component, "children", None))
    title = component.to_plotly_json()["props"].get("title")
    return found + ([title] if isinstance(title, str) else [])


def text_of(component: Any) -> str:
    """The text of a component tree, pieces joined by spaces."""
    return " ".join(texts(component))
