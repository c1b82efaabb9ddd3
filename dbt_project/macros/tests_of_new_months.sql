{#
  The data tests of the staging views read the months loaded since the last successful build.

  A staging view renames and casts a raw table; its tests (not null, accepted values, a reference
  to a seed, a key unique within a month) hold or fail row by row or month by month, and a
  month's rows change only when its file is loaded again (a month is replaced whole). So a test
  with `meta: {new_months_only: true}` reads the months of the files loaded (meta.loads) since the
  last successful build (meta.dbt_builds): the others passed when they were loaded. The filter is
  a constant list of months, which DuckDB pushes through the view's window to the raw scan.

  Every month is read on a full refresh (a changed seed or model can make old rows fail) and when
  no build is on record (a first build, or only failed ones: a failed build records nothing, so
  the next one reads its months again).
#}

{% macro get_where_subquery(relation) -%}
    {#- dbt's own (a test's `where` config), and the new months for the tests that ask for them. -#}
    {%- set filters = [] -%}
    {%- if config.get('where') -%}
        {%- do filters.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- if (config.get('meta') or {}).get('new_months_only') -%}
        {%- set months = months_loaded_since_last_build() -%}
        {%- if months is not none -%}
            {%- do filters.append(_period_filter(months)) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if filters -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ filters | join(' and ') ~ ') dbt_subquery') }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{% macro _period_filter(months) -%}
    {%- if months | length == 0 -%}
        false
    {%- else -%}
        period in ({% for m in months %}date '{{ m }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{% macro months_loaded_since_last_build() %}
    {#- The months ('YYYY-MM-DD') of the files loaded since the last successful build; none when
        every month must be read. -#}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        with last_build as (
            select max(finished_at) as finished_at from {{ source('meta', 'dbt_builds') }}
        )
        select strftime(loads.period, '%Y-%m-%d') as month, last_build.finished_at is null as first
        from last_build
        left join {{ source('meta', 'loads') }} as loads
            on loads.loaded_at > last_build.finished_at and loads.period is not null
        group by all
        order by 1
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- if rows | length == 0 or rows[0][1] -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(rows | map(attribute=0) | reject('none') | list) }}
{% endmacro %}
