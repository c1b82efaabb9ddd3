-- Per park (or county zone) and year: how many enterprises reach each tier, counted both in
-- band (exactly that tier) and at or above it, plus totals. The tiers are the rows of the
-- tier_thresholds seed: <dimension>_<tier>_count and <dimension>_<tier>_or_above_count per row. Every park of dim_park gets a row
-- for every year in fct_enterprise_year, with zeros where it has no enterprise. Enterprise-
-- years without a park (never registered that year) are not in any park's row; they stay
-- visible in fct_enterprise_year with park_code null.
-- Incremental by year: a run recomputes the years fct_enterprise_year rebuilt, and no other.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='year',
    on_schema_change='append_new_columns',
    post_hook="{{ tier_column_comments() }}",
) }}
{#- a pair of count columns per tier of the tier_thresholds seed, highest tier first #}
{%- set dimensions = ['output', 'tax', 'staff'] %}
{%- set tiers_of = tier_codes() %}
{%- set latest = 'select year, max(_source_loaded_at) as loaded_at from ' ~ ref('fct_enterprise_year') ~ ' group by year' %}

with enterprise_years as not materialized (
    select * from {{ ref('fct_enterprise_year') }}
    where {{ only_keys('year', stale_keys(['year'], latest) | map('first') | list, quoted=false) }}
),

parks as (
    select * from {{ ref('dim_park') }}
),

years as (
    select
        year,
        max(as_of_period)  as as_of_period,
        bool_and(is_final) as is_final,
        max(_source_loaded_at) as source_loaded_at
    from enterprise_years
    group by year
),

by_park as (
    select
        park_code,
        year,
        count(*)                                   as enterprise_count,
        count(*) filter (where is_above_scale)     as above_scale_count,
        {%- for dimension in dimensions %}
        {%- set tiers = tiers_of.get(dimension, []) %}
        {%- for tier in tiers %}
        count(*) filter (where {{ dimension }}_tier = '{{ tier }}')
                                                   as {{ dimension }}_{{ tier | lower }}_count,
        count(*) filter (where {{ dimension }}_tier in ('{{ tiers[:loop.index] | join("', '") }}'))
                                                   as {{ dimension }}_{{ tier | lower }}_or_above_count,
        {%- endfor %}
        {%- endfor %}
        sum(annual_output_10k)                     as total_output_10k,
        sum(annual_revenue_10k)                    as total_revenue_10k,
        sum(annual_value_added_10k)                as total_value_added_10k,
        sum(annual_tax_yuan)                       as total_tax_yuan,
        {{ units_to_decimal('sum(' ~ headcount_units('headcount_sum', 'headcount_months') ~ ')') }}
                                                   as total_avg_headcount
    from enterprise_years
    where park_code is not null
    group by park_code, year
)

select
    ---------- keys
    parks.park_code,
    years.year,
    ---------- park
    parks.park_name,
    parks.park_kind,
    ---------- coverage
    years.as_of_period,
    years.is_final,
    ---------- counts
    cast(coalesce(by_park.enterprise_count, 0) as integer)   as enterprise_count,
    cast(coalesce(by_park.above_scale_count, 0) as integer)  as above_scale_count,
    {%- for dimension in dimensions %}
    {%- for tier in tiers_of.get(dimension, []) %}
    cast(coalesce(by_park.{{ dimension }}_{{ tier | lower }}_count, 0) as integer)
        as {{ dimension }}_{{ tier | lower }}_count,
    cast(coalesce(by_park.{{ dimension }}_{{ tier | lower }}_or_above_count, 0) as integer)
        as {{ dimension }}_{{ tier | lower }}_or_above_count,
    {%- endfor %}
    {%- endfor %}
    ---------- totals (0 where nothing was reported)
    cast(coalesce(by_park.total_output_10k, 0) as decimal(28, 6))      as total_output_10k,
    cast(coalesce(by_park.total_revenue_10k, 0) as decimal(28, 6))     as total_revenue_10k,
    cast(coalesce(by_park.total_value_added_10k, 0) as decimal(28, 6)) as total_value_added_10k,
    cast(coalesce(by_park.total_tax_yuan, 0) as decimal(24, 2))        as total_tax_yuan,
    cast(coalesce(by_park.total_avg_headcount, 0) as decimal(24, 6))   as total_avg_headcount,
    ---------- lineage
    years.source_loaded_at                                             as _source_loaded_at
from parks
cross join years
left join by_park
    on by_park.park_code = parks.park_code
    and by_park.year = years.year
