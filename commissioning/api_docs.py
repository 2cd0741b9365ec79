"""The API's reference page, rendered on the server from the OpenAPI schema that `/api/schema/` serves.

drf-spectacular's Swagger UI and Redoc views load their JavaScript and CSS from a CDN (jsDelivr) unless the
`drf-spectacular-sidecar` package serves them, and that package is not installed. A page that depends on a CDN
fails offline and on locked-down council networks and puts a third party's script beside a signed-in session; so
the reference is plain GOV.UK HTML built from the same schema, with no script at all. Systems read the schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drf_spectacular.generators import SchemaGenerator

_METHODS = ("get", "post", "put", "patch", "delete")
_REF_PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class Type:
    """A property's type in words, and the schema it refers to (an anchor on the page), if any."""

    words: str
    ref: str | None = None


@dataclass(frozen=True)
class Property:
    name: str
    type: Type
    required: bool
    read_only: bool
    description: str


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str
    type: Type
    required: bool
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    description: str
    parameters: list[Parameter]
    request: Type | None
    responses: list[tuple[str, str, Type | None]]


@dataclass
class Resource:
    name: str
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class Schema:
    name: str
    description: str
    properties: list[Property]
    enum: list[str]


@dataclass(frozen=True)
class Reference:
    title: str
    version: str
    description: str
    resources: list[Resource]
    schemas: list[Schema]


def _type(schema: dict[str, Any]) -> Type:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(_REF_PREFIX)
        return Type(name, name)
    if "allOf" in schema and len(schema["allOf"]) == 1:
        inner = _type(schema["allOf"][0])
        return Type(inner.words + (" or null" if schema.get("nullable") else ""), inner.ref)
    if schema.get("type") == "array":
        inner = _type(schema.get("items", {}))
        return Type(f"list of {inner.words}", inner.ref)
    words = schema.get("type", "any")
    if schema.get("format"):
        words = f"{words} ({schema['format']})"
    if schema.get("example") is not None:
        words = f"{words}, e.g. {schema['example']}"
    return Type(words + (" or null" if schema.get("nullable") else ""))


def _properties(schema: dict[str, Any]) -> list[Property]:
    required = set(schema.get("required", []))
    return [
        Property(
            name=name,
            type=_type(prop),
            required=name in required,
            read_only=bool(prop.get("readOnly")),
            description=prop.get("description", ""),
        )
        for name, prop in schema.get("properties", {}).items()
    ]


def _body_type(content: dict[str, Any]) -> Type | None:
    body = content.get("application/json")
    return _type(body["schema"]) if body and "schema" in body else None


def reference(schema: dict[str, Any]) -> Reference:
    """The schema as the page shows it: operations grouped by resource (tag) in path order, then every schema."""
    resources: dict[str, Resource] = {}
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            if method not in item:
                continue
            operation = item[method]
            tag = (operation.get("tags") or ["other"])[0]
            resources.setdefault(tag, Resource(tag)).operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    operation_id=operation.get("operationId", ""),
                    description=operation.get("description", ""),
                    parameters=[
                        Parameter(
                            name=p["name"],
                            where=p["in"],
                            type=_type(p.get("schema", {})),
                            required=bool(p.get("required")),
                            description=p.get("description", ""),
                        )
                        for p in operation.get("parameters", [])
                    ],
                    request=_body_type(operation.get("requestBody", {}).get("content", {})),
                    responses=[
                        (code, response.get("description", ""), _body_type(response.get("content", {})))
                        for code, response in operation.get("responses", {}).items()
                    ],
                )
            )
    schemas = [
        Schema(
            name=name,
            description=component.get("description", ""),
            properties=_properties(component),
            enum=[str(value) for value in component.get("enum", []) if value not in ("", None)],
        )
        for name, component in sorted(schema.get("components", {}).get("schemas", {}).items())
    ]
    info = schema.get("info", {})
    return Reference(
        title=info.get("title", ""),
        version=str(info.get("version", "")),
        description=info.get("description", ""),
        resources=list(resources.values()),
        schemas=schemas,
    )


def api_reference() -> Reference:
    """The public schema of every API endpoint, as `/api/schema/` serves it, ready for the page."""
    return reference(SchemaGenerator().get_schema(request=None, public=True))
