{#
  Every row satisfies each of the given boolean SQL expressions: the project's former
  expression_is_true for several expressions on one table, in one query that reads the table
  once (one test per expression cost a query and dbt's per-node overhead each;
  docs/performance.md, "dbt models"). A row fails where an expression is false or null.

  A failing row is a row that fails at least one expression, as many failures as rows; its
  failed_expressions names them ('; '-separated, each as written, whitespace collapsed), so a
  stored or queried failure says which check it broke.
#}
{% test expressions_are_true(model, expressions) %}
{%- if expressions is string or expressions | length == 0 -%}
    {{ exceptions.raise_compiler_error("expressions_are_true: `expressions` is a list of at least one expression on " ~ model) }}
{%- endif %}
with checked as (
    select
        {%- for expression in expressions %}
        not coalesce(({{ expression }}), false) as _failed_{{ loop.index }},
        {%- endfor %}
        *
    from {{ model }}
)
select
    concat_ws('; '
    {%- for expression in expressions %},
        case when _failed_{{ loop.index }} then '{{ expression.split() | join(" ") | replace("'", "''") }}' end
    {%- endfor %}
    ) as failed_expressions,
    * exclude (
        {%- for expression in expressions %}{{ ', ' if not loop.first }}_failed_{{ loop.index }}{% endfor -%}
    )
from checked
where
    {%- for expression in expressions %}
    {{ 'or ' if not loop.first }}_failed_{{ loop.index }}
    {%- endfor %}
{% endtest %}
