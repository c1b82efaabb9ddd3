{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='year',
    on_schema_change='append_new_columns',
) }}
-- Per park, year and month, the enterprises in each tier of output, tax and staff on the
-- year's figures up to that month: how the plan's banded enterprise counts (产值/税收超N的企业,
-- 就业人数超过N人的企业) developed through the year. The dashboard's monthly charts read it.
--
-- For each month M, an enterprise's values are those fct_enterprise_year computes on the
-- months up to M: output basis = gross output (industrial) or revenue (others) as M's
-- year-to-date figure, else the sum of the month values so far; tax = the sum so far;
-- headcount = the mean of the months so far that reported one; park = that of its last
-- registered month up to M (enterprises never registered so far are not counted). Bounds come
-- from int_plan_metric_bands (at or above, or exclusive bands, per the band_counting var) and
-- compare exactly (decimals; the mean headcount as sum >= bound x months).
-- Incremental by year, like fct_enterprise_year; every year is recounted when the bands were
-- counted the other way before.
{%- set years = stale_years(ref('fct_enterprise_month')) %}
{%- set recount_all = false %}
{%- if execute and is_incremental() %}
    {%- set recount_all = run_query(
        "select count(*) > 0 from " ~ this ~ " where band_counting is distinct from "
        ~ "(select any_value(band_counting) from " ~ ref('int_plan_metric_bands') ~ ")"
    ).columns[0].values()[0] %}
{%- endif %}

with months as (
    select * from {{ ref('fct_enterprise_month') }}
    where {{ 'true' if recount_all else only_keys('year', years, quoted=false) }}
),

as_of_months as (
    select year, month as as_of_month, max(_source_loaded_at) as source_loaded_at
    from months
    group by year, month
),

so_far as (
    select
        months.uscc,
        as_of.year,
        as_of.as_of_month,
        max(months.gross_output_ytd_10k) filter (where months.month = as_of.as_of_month) as output_ytd,
        sum(months.gross_output_month_10k)                                                as output_sum,
        max(months.revenue_ytd_10k) filter (where months.month = as_of.as_of_month)      as revenue_ytd,
        sum(months.revenue_month_10k)                                                     as revenue_sum,
        sum(months.total_tax_yuan)                                                        as tax,
        sum(months.insured_headcount)                                                     as headcount_sum,
        count(months.insured_headcount)                                                   as headcount_months,
        arg_max(months.park_code, months.month) filter (where months.is_registered)       as park_code,
        arg_max(months.is_industrial, months.month) filter (where months.is_registered)   as is_industrial
    from months
    join as_of_months as as_of
        on as_of.year = months.year and months.month <= as_of.as_of_month
    group by months.uscc, as_of.year, as_of.as_of_month
),

measures as (
    -- one row per enterprise, month and dimension: value >= bound x weight counts
    select uscc, year, as_of_month, park_code, 'output' as dimension,
           cast(case
               when is_industrial then coalesce(output_ytd, output_sum)
               when not is_industrial then coalesce(revenue_ytd, revenue_sum)
               when coalesce(output_ytd, output_sum) is not null then coalesce(output_ytd, output_sum)
               else coalesce(revenue_ytd, revenue_sum)
           end as decimal(38, 6)) as value,
           1 as weight
    from so_far where park_code is not null
    union all
    select uscc, year, as_of_month, park_code, 'tax', cast(tax as decimal(38, 6)), 1
    from so_far where park_code is not null
    union all
    select uscc, year, as_of_month, park_code, 'staff', cast(headcount_sum as decimal(38, 6)),
           headcount_months
    from so_far where park_code is not null and headcount_months > 0
),

bands as (
    select metric, metric_label_zh, series as dimension, tier, lower_bound, upper_bound, band_counting
    from {{ ref('int_plan_metric_bands') }}
    where tier is not null
),

counted as (
    select measures.park_code, measures.year, measures.as_of_month, bands.metric, count(*) as enterprises
    from measures
    join bands
        on bands.dimension = measures.dimension
       and measures.value >= bands.lower_bound * measures.weight
       and (bands.upper_bound is null or measures.value < bands.upper_bound * measures.weight)
    group by all
)

select
    ---------- keys
    parks.park_code,
    as_of.year,
    cast(as_of.as_of_month as integer)        as month,
    bands.metric,
    ---------- what is counted
    bands.metric_label_zh,
    bands.dimension,
    bands.tier,
    cast(coalesce(counted.enterprises, 0) as integer) as enterprises,
    bands.band_counting,
    ---------- lineage
    as_of.source_loaded_at                    as _source_loaded_at
from {{ ref('dim_park') }} as parks
cross join as_of_months as as_of
cross join bands
left join counted
    on counted.park_code = parks.park_code
   and counted.year = as_of.year
   and counted.as_of_month = as_of.as_of_month
   and counted.metric = bands.metric
