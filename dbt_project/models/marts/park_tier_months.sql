{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='year',
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
-- Incremental by year, like fct_enterprise_year (a full build: one statement per year); every
-- year is recounted when the bands were counted the other way before. The SELECT itself is
-- macros/park_tier_months_select.sql.
{%- set recount_all = bands_counted_otherwise() %}

{{ park_tier_months_select(
    'true' if recount_all else year_batches(ref('fct_enterprise_month'))[0]
) }}
