{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['year', 'month'],
    on_schema_change='append_new_columns',
    post_hook=["{{ build_in_batches(years_of(ref('fct_enterprise_month'))) }}"],
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
-- Incremental by month (macros/incremental_periods.sql, stale_as_of_months): a run recounts the
-- months whose rows fct_enterprise_month rebuilt and the later months of their years; every
-- month is recounted when the bands were counted the other way before. A full build creates the
-- table empty and runs the SELECT below once per year (the post-hook, build_in_batches), which
-- keeps each year's sort by enterprise within the memory cap.
-- A new month (one month per year recounted, the latest of its year) reads that month's rows
-- alone: each enterprise's year so far is its row of fct_enterprise_year, which holds the year
-- up to that month, with the month's own year-to-date figures. Other months, and a new month
-- whose fct_enterprise_year row was not rebuilt up to it (a run that did not select the year
-- fact): a running window over the year's rows.
-- depends_on: {{ ref('fct_enterprise_year') }}
{%- set as_of = none %}  {#- the months recounted ('YYYY-MM-DD' texts); none: every month #}
{%- if not is_incremental() %}
    {%- set batch = full_build_batch('year') %}
{%- elif bands_counted_otherwise() %}
    {%- set batch = 'true' %}
{%- else %}
    {%- set as_of = stale_as_of_months(ref('fct_enterprise_month')) %}
{%- endif %}
{%- set years = [] %}
{%- for m in as_of or [] %}{% do years.append(m[:4] | int) %}{% endfor %}
{%- if as_of is not none %}
    {%- set batch = only_years('period', years | unique | list) %}
{%- endif %}
{%- set from_years = as_of and (years | unique | list | length) == (as_of | length)
                     and enterprise_years_hold(as_of) %}
with months as not materialized (
    select * from {{ ref('fct_enterprise_month') }}
    {%- if from_years %}
    where period in ({% for m in as_of %}date '{{ m }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- else %}
    where {{ batch }}
    {%- endif %}
),

as_of_months as (
    select year, month as as_of_month, max(_source_loaded_at) as source_loaded_at
    from months
    {%- if as_of %}
    where period in ({% for m in as_of %}date '{{ m }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif %}
    group by year, month
),

{%- if from_years %}

so_far as (
    -- each enterprise's year up to the new month, the latest of the year, as
    -- fct_enterprise_year folded it: its sums, headcount and the park and industry of its
    -- last registered month (never null in a registered month: the loader sets aside a
    -- register row whose park or industry division is unknown)
    select
        years.uscc,
        years.year,
        as_of.as_of_month,
        latest.gross_output_ytd_10k      as output_ytd,
        years.sum_gross_output_month_10k as output_sum,
        latest.revenue_ytd_10k           as revenue_ytd,
        years.sum_revenue_month_10k      as revenue_sum,
        years.annual_tax_yuan            as tax,
        years.headcount_sum,
        years.headcount_months,
        years.park_code,
        years.is_industrial
    from {{ ref('fct_enterprise_year') }} as years
    join as_of_months as as_of
        on as_of.year = years.year
    left join months as latest
        on latest.uscc = years.uscc and latest.year = as_of.year and latest.month = as_of.as_of_month
),

{%- else %}

running as (
    -- each enterprise's year so far at each month it has a row: one sort per enterprise-year
    -- (joining every month with the earlier months instead grew with the square of the months)
    select
        uscc,
        year,
        month,
        gross_output_ytd_10k,
        revenue_ytd_10k,
        sum(gross_output_month_10k) over so_far                                             as output_sum,
        sum(revenue_month_10k) over so_far                                                  as revenue_sum,
        sum(total_tax_yuan) over so_far                                                     as tax,
        sum(insured_headcount) over so_far                                                  as headcount_sum,
        count(insured_headcount) over so_far                                                as headcount_months,
        last_value(case when is_registered then park_code end ignore nulls) over so_far     as park_code,
        last_value(case when is_registered then is_industrial end ignore nulls) over so_far as is_industrial,
        lead(month) over (partition by uscc, year order by month)                           as next_month
    from months
    window so_far as (partition by uscc, year order by month rows between unbounded preceding and current row)
),

so_far as (
    -- the figures as of every month from a row up to the enterprise's next row: a month
    -- without a row of its own keeps the sums so far and has no year-to-date figure
    select
        running.uscc,
        as_of.year,
        as_of.as_of_month,
        case when as_of.as_of_month = running.month then running.gross_output_ytd_10k end as output_ytd,
        running.output_sum,
        case when as_of.as_of_month = running.month then running.revenue_ytd_10k end      as revenue_ytd,
        running.revenue_sum,
        running.tax,
        running.headcount_sum,
        running.headcount_months,
        running.park_code,
        running.is_industrial
    from (
        select *, unnest(range(month, coalesce(next_month, 13))) as as_of_month
        from running
    ) as running
    join as_of_months as as_of
        on as_of.year = running.year and as_of.as_of_month = running.as_of_month
),

{%- endif %}

bands as not materialized (
    select metric, metric_label_zh, series as dimension, tier, lower_bound, upper_bound, band_counting
    from {{ ref('int_plan_metric_bands') }}
    where tier is not null
),

measures as (
    -- one row per enterprise, month and dimension: value >= bound x weight counts. Most
    -- enterprises reach no band: rows below the dimension's lowest bound are dropped here
    -- rather than compared with every band.
    select uscc, year, as_of_month, park_code, 'output' as dimension, value, 1 as weight
    from (
        select *,
               cast({{ tier_output_basis('is_industrial', 'coalesce(output_ytd, output_sum)',
                                         'coalesce(revenue_ytd, revenue_sum)') }}
                    as decimal(38, 6)) as value
        from so_far
    )
    where park_code is not null
      and value >= (select min(lower_bound) from bands where dimension = 'output')
    union all
    select uscc, year, as_of_month, park_code, 'tax', cast(tax as decimal(38, 6)), 1
    from so_far
    where park_code is not null
      and tax >= (select min(lower_bound) from bands where dimension = 'tax')
    union all
    select uscc, year, as_of_month, park_code, 'staff', cast(headcount_sum as decimal(38, 6)),
           headcount_months
    from so_far
    where park_code is not null and headcount_months > 0
      and {{ mean_at_or_above('headcount_sum', 'headcount_months',
                              "(select min(lower_bound) from bands where dimension = 'staff')") }}
),

counted as (
    select measures.park_code, measures.year, measures.as_of_month, bands.metric, count(*) as enterprises
    from measures
    join bands
        on bands.dimension = measures.dimension
       and {{ mean_at_or_above('measures.value', 'measures.weight', 'bands.lower_bound') }}
       and (bands.upper_bound is null
            or not {{ mean_at_or_above('measures.value', 'measures.weight', 'bands.upper_bound') }})
    group by all
)

select
    ---------- keys
    parks.park_code,
    make_date(as_of.year, as_of.as_of_month, 1) as period,
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
