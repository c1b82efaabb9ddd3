{#
  Each given column holds only its accepted values: dbt's accepted_values for several columns of
  one table, in one query that reads the table once (one test per column cost a query and dbt's
  per-node overhead each; docs/performance.md, "dbt models"). As in dbt's, a null passes and a
  value is quoted as text unless its entry says `quote: false`.

  `columns` lists {column, values[, quote]}. A failing row is a column and a value it holds that
  is not accepted, with n_records, the rows holding it: as many failures as the columns' tests
  had together.
#}
{% test accepted_values_columns(model, columns) %}
{%- if columns is string or columns | length == 0 -%}
    {{ exceptions.raise_compiler_error("accepted_values_columns: `columns` is a list of at least one {column, values} of " ~ model) }}
{%- endif %}
with checked as (
    select
        {%- for entry in columns %}
        {%- if entry['values'] is string or entry['values'] | length == 0 -%}
            {{ exceptions.raise_compiler_error("accepted_values_columns: `values` of " ~ entry.column ~ " is a list of at least one value") }}
        {%- endif %}
        case when {{ entry.column }} not in (
            {%- for value in entry['values'] -%}
                {%- if entry.get('quote', true) -%}
                '{{ value | string | replace("'", "''") }}'
                {%- else -%}
                {{ value }}
                {%- endif -%}
                {{ ', ' if not loop.last }}
            {%- endfor -%}
        ) then {{ entry.column }}::varchar end as _rejected_{{ loop.index }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
),
rejected as (
    {{- failing_values(columns, '_rejected') }}
)
select column_name, value_field, count(*) as n_records
from rejected
where value_field is not null
group by column_name, value_field
{% endtest %}
