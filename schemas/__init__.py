"""Validation schemas of the bureau's extracts, one module per kind (pandera, polars backend)."""

from schemas import (
    carriers,
    employment,
    indicators,
    land,
    output,
    projects,
    registration,
    tax,
)
from schemas.common import ExtractSchema

SCHEMAS: dict[str, ExtractSchema] = {
    m.SCHEMA.kind: m.SCHEMA
    for m in (registration, tax, employment, output, projects, carriers, land, indicators)
}
