"""carriers (两创载体): the register of maker spaces and innovation bases, a snapshot each month."""

from pipelines.reference import park_aliases
from schemas.common import (
    ExtractSchema,
    as_date,
    as_string,
    code_as_number,
    not_after_period_end,
    one_of,
    park_known,
    parses,
    required,
    unique_key,
)

P = "CAR"
TYPES = ("众创空间", "创业创新基地")

SCHEMA = ExtractSchema(
    kind="carriers",
    key=("carrier_id",),
    code_columns=("carrier_id",),
    fields={
        "carrier_id": as_string,
        "carrier_name": as_string,
        "park": as_string,
        "carrier_type": as_string,
        "recognized_on": as_date,
    },
    rules=(
        required(P, "carrier_id", "载体编号"),
        code_as_number(P, "carrier_id", "载体编号"),
        *unique_key(P, ["carrier_id"], "载体编号"),
        required(P, "carrier_name", "载体名称"),
        required(P, "park", "所属园区"),
        *park_known(P, park_aliases()),
        required(P, "carrier_type", "载体类型"),
        one_of(P, "carrier_type", "载体类型", TYPES),
        required(P, "recognized_on", "认定日期"),
        parses(P, "recognized_on", "认定日期", "日期(YYYY-MM-DD)", "a date (YYYY-MM-DD)"),
        not_after_period_end(P, "recognized_on", "认定日期"),
    ),
)
