{#
  Each given column's values are in a column of another relation: dbt's relationships for
  several columns of one table, in one query that reads the table once (one test per column
  cost a query and dbt's per-node overhead each; docs/performance.md, "dbt models").

  `columns` lists {column, to, field[, where]}: as in dbt's, a null passes, and so does a value
  found among `to`'s `field` values (a null among them matches nothing); `where` is the
  condition a row must meet for the column to be checked (what the column's own test had as its
  `where` config). A failing row is a row's column whose value is missing from its relation,
  named by column_name and value_field: as many failures as the columns' tests had together.
#}
{% test relationships_columns(model, columns) %}
{%- if columns is string or columns | length == 0 -%}
    {{ exceptions.raise_compiler_error("relationships_columns: `columns` is a list of at least one {column, to, field} of " ~ model) }}
{%- endif %}
with checked as (
    select
        {%- for entry in columns %}
        case
            when {{ entry.column }} is not null
                {%- if entry.get('where') %}
                and coalesce(({{ entry.where }}), false)
                {%- endif %}
                and not coalesce({{ entry.column }} in (select {{ entry.field }} from {{ entry.to }}), false)
            then {{ entry.column }}::varchar
        end as _missing_{{ loop.index }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
),
missing as (
    {{- failing_values(columns, '_missing') }}
)
select column_name, value_field
from missing
where value_field is not null
{% endtest %}
