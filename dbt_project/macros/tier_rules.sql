{#
  The plan's tier rules, each defined once and used by every model that applies it
  (fct_enterprise_year, park_tier_months, int_attainment_actuals, park_year_summary).
#}

{% macro tier_output_measure(is_industrial, gross_output, revenue) -%}
    {#- Which annual value an enterprise's output tier is assigned on: gross industrial output
        for industrial enterprises (GB/T 4754 sections B–D), operating revenue for the others;
        without a known industry, whichever was reported (gross output first). -#}
    case
        when {{ is_industrial }} then 'gross_output'
        when not {{ is_industrial }} then 'revenue'
        when {{ gross_output }} is not null then 'gross_output'
        when {{ revenue }} is not null then 'revenue'
    end
{%- endmacro %}

{% macro tier_output_basis(is_industrial, gross_output, revenue) -%}
    {#- The value of tier_output_measure (万元): what the output bands compare. -#}
    case {{ tier_output_measure(is_industrial, gross_output, revenue) }}
        when 'gross_output' then {{ gross_output }}
        when 'revenue' then {{ revenue }}
    end
{%- endmacro %}

{% macro mean_at_or_above(total, count, bound) -%}
    {#- The staff bound: a mean headcount (total / count months) at or above `bound`, compared
        exactly without dividing (no rounding decides a band at its boundary). -#}
    ({{ total }} >= {{ bound }} * {{ count }})
{%- endmacro %}

{% macro tier_codes() %}
    {#- {dimension: [tier, ...]}, each dimension's tiers highest threshold first, read from the
        tier_thresholds seed when the model runs. The marts' per-tier columns come from it, so
        a band added to the seed adds its columns. The seed must be built before the model
        compiles: `dbt build` and `dbt run` build it first (the callers depend on it through
        fct_enterprise_year); a bare `dbt compile` on an empty warehouse needs `dbt seed` first.
        The seed is looked up in the seeds' schema (+schema: reference, dbt_project.yml), not
        ref'd: a ref would make it an input every unit test of the caller has to mock, and a
        query cannot read a unit test's mocked input (nor can a unit test see the graph). -#}
    {%- if not execute %}
        {{ return({}) }}
    {%- endif %}
    {%- set seed = adapter.get_relation(target.database, generate_schema_name('reference', none),
                                        'tier_thresholds') %}
    {%- if seed is none %}
        {{ exceptions.raise_compiler_error(
            "reference.tier_thresholds is not built: its tiers name the columns of "
            ~ this ~ ". Run `dbt seed` first (dbt build does it)."
        ) }}
    {%- endif %}
    {%- set rows = run_query(
        "select dimension, tier from " ~ seed
        ~ " where tier is not null order by min_value desc, tier"
    ).rows %}
    {%- set tiers = {} %}
    {%- for dimension, tier in rows %}
        {%- do tiers.setdefault(dimension, []).append(tier) %}
    {%- endfor %}
    {{ return(tiers) }}
{% endmacro %}

{% macro tier_column_comments() %}
    {#- park_year_summary's post-hook: a comment on each tier count column (DBeaver and
        duckdb_columns() show it), written from the seed's labels as dbt writes the others. -#}
    {%- if not execute %}
        {{ return('') }}
    {%- endif %}
    {%- set seed = adapter.get_relation(target.database, generate_schema_name('reference', none),
                                        'tier_thresholds') %}
    {%- set rows = run_query(
        "select dimension, tier, tier_label, coalesce(plan_wording, tier_label) from " ~ seed
        ~ " where tier is not null"
    ).rows %}
    {%- set statements = [] %}
    {%- for dimension, tier, label, wording in rows %}
        {%- set column = dimension ~ '_' ~ tier | lower %}
        {%- set label, wording = label | replace("'", "''"), wording | replace("'", "''") %}
        {%- do statements.append(
            "comment on column " ~ this ~ "." ~ column ~ "_count is '" ~ label ~ "数（" ~ dimension
            ~ " " ~ tier ~ "，本档） / Enterprises in " ~ dimension ~ " tier " ~ tier ~ " (in band).'"
        ) %}
        {%- do statements.append(
            "comment on column " ~ this ~ "." ~ column ~ "_or_above_count is '" ~ wording
            ~ "的企业数（" ~ tier ~ " 及以上） / Enterprises at " ~ dimension ~ " tier " ~ tier
            ~ " or above.'"
        ) %}
    {%- endfor %}
    {{ return(statements | join(';\n')) }}
{% endmacro %}
