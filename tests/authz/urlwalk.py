"""Walk the URL configuration: every pattern, its full route, its view and the methods it takes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

HTTP_METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(?P<name>\w+)>")


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern as the router sees it."""

    route: str  # e.g. "api/v1/vault/documents/<uuid:document_id>/" (regex parts kept as is)
    name: str  # namespaced URL name ("admin:index"), or "" when the pattern has none
    callback: object
    params: tuple[str, ...] = field(default=())
    regex_parts: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        """What the expectation table is keyed by: the URL name, or the route when unnamed."""
        return self.name or self.route

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def methods(self) -> tuple[str, ...]:
        """The HTTP methods the view implements (upper case). Function views: every method."""
        cls = self.view_class
        if cls is None:
            return tuple(m.upper() for m in HTTP_METHODS)
        initkwargs = getattr(self.callback, "view_initkwargs", {}) or {}
        allowed = set(initkwargs.get("http_method_names", cls.http_method_names))
        found = {m for m in HTTP_METHODS if m in allowed and hasattr(cls, m)}
        if "get" in found:  # Django's View.setup() maps HEAD to GET
            found.add("head")
        return tuple(m.upper() for m in HTTP_METHODS if m in found)

    def path(self, values: dict[str, str]) -> str:
        """The concrete path with ``values`` for the parameters (regex parts are filled too)."""
        out = []
        for part in self.regex_parts:
            if part.startswith("re:"):
                regex = part[3:]
                filled = _fill_regex(regex, values)
                out.append(filled)
            else:
                out.append(_ROUTE_PARAM.sub(lambda m: str(values[m.group("name")]), part))
        return "/" + "".join(out)


def _fill_regex(regex: str, values: dict[str, str]) -> str:
    """Turn a simple regex pattern (Django admin's) into a path: named groups take ``values``."""
    regex = regex.lstrip("^").rstrip("$").replace(r"\Z", "").replace("\\/", "/")
    out, i = [], 0
    while i < len(regex):
        match = _REGEX_PARAM.match(regex, i)
        if match:
            depth, j = 1, match.end()
            while depth and j < len(regex):
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            out.append(str(values[match.group("name")]))
            i = j
        else:
            out.append(regex[i])
            i += 1
    return "".join(out)


def _part(pattern) -> tuple[str, str, tuple[str, ...]]:
    """(display text, encoded part, parameter names) of one pattern piece."""
    if isinstance(pattern, RoutePattern):
        text = str(pattern._route)
        return text, text, tuple(m.group("name") for m in _ROUTE_PARAM.finditer(text))
    if isinstance(pattern, RegexPattern):
        text = str(pattern._regex)
        return text, "re:" + text, tuple(m.group("name") for m in _REGEX_PARAM.finditer(text))
    raise TypeError(f"unknown pattern type {type(pattern)!r}")  # pragma: no cover


def walk(patterns=None, prefix=(), namespace="", params=()) -> list[Endpoint]:
    """Every URLPattern under the root URLconf, recursively, with its full route."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    out: list[Endpoint] = []
    for entry in patterns:
        text, encoded, names = _part(entry.pattern)
        parts = (*prefix, (text, encoded))
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            out.extend(walk(entry.url_patterns, parts, ns, (*params, *names)))
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            if name and namespace:
                name = f"{namespace}:{name}"
            out.append(
                Endpoint(
                    route="".join(t for t, _ in parts),
                    name=name,
                    callback=entry.callback,
                    params=(*params, *names),
                    regex_parts=tuple(e for _, e in parts),
                )
            )
    return out
