{% macro failing_values(columns, flag) %}
    {#- The rows of `checked` (a CTE with one `<flag>_<n>` column per entry of `columns`: the
        entry's value as text where it fails, null where it passes) as one row per failing
        column and value: column_name, value_field. Shared by the tests that check several
        columns of a table in one query (accepted_values_columns, relationships_columns). -#}
    select
        unnest([
            {%- for entry in columns -%}
            '{{ entry.column | replace('"', '') }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        ]) as column_name,
        unnest([
            {%- for entry in columns -%}
            {{ flag }}_{{ loop.index }}{{ ', ' if not loop.last }}
            {%- endfor -%}
        ]) as value_field
    from checked
    where
        {%- for entry in columns %}
        {{ 'or ' if not loop.first }}{{ flag }}_{{ loop.index }} is not null
        {%- endfor %}
{% endmacro %}
