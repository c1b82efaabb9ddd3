{#
  None of the given columns is null: dbt's not_null for several columns of one table, in one
  query that reads the table once. One not_null test per column cost a query and dbt's
  per-node overhead each (docs/performance.md, "dbt models"); a table's columns are listed
  once, in its model-level data_tests.

  A failing row is a row with a null in at least one of the columns, as many failures as rows;
  its null_columns names those columns (', '-separated), so a stored or queried failure says
  which column is null.
#}
{% test not_null_columns(model, columns) %}
{%- if columns is string or columns | length == 0 -%}
    {{ exceptions.raise_compiler_error("not_null_columns: `columns` is a list of at least one column of " ~ model) }}
{%- endif %}
select
    concat_ws(', '
    {%- for column in columns %},
        case when {{ adapter.quote(column) }} is null then '{{ column }}' end
    {%- endfor %}
    ) as null_columns,
    *
from {{ model }}
where
    {%- for column in columns %}
    {{ 'or ' if not loop.first }}{{ adapter.quote(column) }} is null
    {%- endfor %}
{% endtest %}
