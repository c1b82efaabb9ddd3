{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['year', 'month'],
    on_schema_change='append_new_columns',
    post_hook=["{{ insert_other_batches(year_batches(ref('fct_enterprise_month')), park_tier_months_select) }}"],
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
-- months whose rows fct_enterprise_month rebuilt and the later months of their years (a new
-- month: that month alone, from its rows and the year so far that fct_enterprise_year folded);
-- every month is recounted when the bands were counted the other way before. A full build runs
-- one statement per year. The SELECT itself is macros/park_tier_months_select.sql.
-- depends_on: {{ ref('fct_enterprise_year') }}
{%- set recount_all = bands_counted_otherwise() %}
{%- if not is_incremental() %}
{{ park_tier_months_select(year_batches(ref('fct_enterprise_month'))[0]) }}
{%- elif recount_all %}
{{ park_tier_months_select('true') }}
{%- else %}
{%- set as_of = stale_as_of_months(ref('fct_enterprise_month')) %}
{%- set years = [] %}
{%- for m in as_of %}{% do years.append(m[:4] | int) %}{% endfor %}
{{ park_tier_months_select(only_years('period', years | unique | list), as_of=as_of) }}
{%- endif %}
