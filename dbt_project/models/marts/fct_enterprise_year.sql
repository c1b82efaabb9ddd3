{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='year',
    on_schema_change='append_new_columns',
    post_hook=["{{ insert_other_batches(year_batches(ref('fct_enterprise_month')), enterprise_year_select) }}"],
) }}
-- One row per enterprise and year: annual (or, for the year in progress, year-to-date)
-- output, revenue, value added, tax and headcount, and the plan's tiers (龙头/骨干/重点企业,
-- tax and staff tiers, 规模以上工业). Thresholds come from the tier_thresholds seed and are
-- inclusive (value >= min_value); all amounts stay DECIMAL so boundaries compare exactly.
--
-- Rules:
--   * park, industry and status: those of the last month of the year in which the
--     enterprise is in the register; null when it is never registered that year (kept).
--   * annual gross output / revenue: the December year-to-date when December reports one,
--     else the sum of the month values reported that year.
--   * annual value added: sum of the month values; annual tax: sum of total_tax_yuan.
--   * average headcount: mean of insured_headcount over the months employment reported it.
--   * output tier basis: gross industrial output for industrial enterprises, operating
--     revenue for the others; when the industry is unknown (not registered that year), the
--     gross output if any was reported, else the revenue.
--   * above scale (规模以上工业): industrial and annual revenue >= the above_scale threshold.
-- Incremental by year (macros/incremental_periods.sql): a run rebuilds the years of the months
-- fct_enterprise_month rebuilt, and no other. A full build creates the table with the first
-- year and inserts the others one statement per year (the post-hook), as fct_enterprise_month
-- does by month: faster at a million enterprises than one statement over every year.
-- The year in progress grows by folding its next month into the sums and counts the model
-- keeps (sum_* and headcount_* columns): a December reads one month's rows, not twelve. A
-- revision of an earlier month of the year rebuilds the year from its months.
-- The SELECT itself is macros/enterprise_year_select.sql.

{% if is_incremental() -%}
    {%- set increments = year_increments(ref('fct_enterprise_month')) -%}
    {{ enterprise_year_select(only_keys('year', increments['recompute'], quoted=false), increments['fold']) }}
{%- else -%}
    {{ enterprise_year_select(year_batches(ref('fct_enterprise_month'))[0]) }}
{%- endif %}
