-- Attainment of the plan's targets: one row per row of the plan_targets seed (park or CITY,
-- year, metric), with the actual from int_attainment_actuals, the gap and the ratio.
--
--   * window: a target with a single-year window compares with that year's actual; a window
--     of several years (the city's project targets, 2018-2020) compares with the sum of the
--     yearly actuals over the window (only flow metrics have such windows; a data test checks it).
--   * no data: when the metric's source has no data for any year of the window, actual, gap,
--     attainment_ratio and attained are null (unknown, not a failure), attainment_status 无数据.
--   * a year in progress (is_final false) compares year-to-date values with the full-year
--     target; attainment_status is 进行中 until it is attained or the year is final.
--   * band_counting: the dbt var the banded metrics were counted with (null for other metrics).
--   * enterprise_scope: whom the target counts, as plan_targets states it from its clause
--     (industrial, real_economy, all; null for projects and carriers); the actual is the one
--     int_attainment_actuals counted over that scope.
--   * types: actual and gap are DECIMAL(38, 6), the exact actual (int_attainment_actuals keeps
--     10 decimals) rounded once; a metric that counts (unit 个 or 家: enterprises, projects,
--     carriers) also has its actual as an integer, actual_count (null for other metrics).
-- Incremental by target: every target is compared again (a few hundred rows), and only the
-- rows whose result changed are replaced, so a load leaves the other targets' rows untouched.
{#- the units of metric_catalog whose metrics count things: their actual is an integer #}
{%- set count_units = ['个', '家'] %}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['park_code', 'year', 'metric'],
    on_schema_change='append_new_columns',
) }}

with targets as (
    select
        park_code,
        year,
        metric,
        unit,
        cast(target as decimal(28, 6))                             as target,
        "window"                                                   as target_window,
        clause_zh,
        enterprise_scope,
        cast(split_part("window", '-', 1) as integer)              as window_start_year,
        cast(coalesce(nullif(split_part("window", '-', 2), ''),
                      split_part("window", '-', 1)) as integer)    as window_end_year
    from {{ ref('plan_targets') }}
),

actuals as (
    select * from {{ ref('int_attainment_actuals') }}
),

catalog as (
    select * from {{ ref('metric_catalog') }}
),

bands as (
    select metric, band_counting from {{ ref('int_plan_metric_bands') }}
),

parks as (
    select park_code, park_name from {{ ref('dim_park') }}
),

scopes as (
    select enterprise_scope, label_zh from {{ ref('enterprise_scopes') }}
),

in_window as (
    select
        targets.park_code,
        targets.year,
        targets.metric,
        sum(actuals.actual)                                            as actual,
        max(actuals.as_of_period) filter (where actuals.actual is not null)
                                                                       as as_of_period,
        -- final when every year of the window has data and its December is loaded
        count(actuals.actual) = targets.window_end_year - targets.window_start_year + 1
            and coalesce(bool_and(actuals.is_final), false)            as is_final
    from targets
    left join actuals
        on actuals.park_code = targets.park_code
        and actuals.metric = targets.metric
        and actuals.enterprise_scope is not distinct from targets.enterprise_scope
        and actuals.year between targets.window_start_year and targets.window_end_year
    group by targets.park_code, targets.year, targets.metric,
             targets.window_start_year, targets.window_end_year
),

compared as (
    select
        targets.park_code,
        case when targets.park_code = 'CITY' then '拉萨市' else parks.park_name end
                                                                       as park_name,
        targets.year,
        targets.metric,
        catalog.metric_label_zh                                        as metric_label,
        catalog.metric_label_en,
        targets.unit,
        targets.target,
        cast(in_window.actual as decimal(38, 6))                       as actual,
        case when catalog.unit in ('{{ count_units | join("', '") }}')
            then cast(in_window.actual as bigint) end                 as actual_count,
        cast(in_window.actual - targets.target as decimal(38, 6))      as gap,
        round(cast(in_window.actual as double)
              / nullif(cast(targets.target as double), 0), 6)          as attainment_ratio,
        in_window.actual >= targets.target                             as attained,
        in_window.as_of_period,
        in_window.is_final,
        targets.target_window,
        targets.clause_zh,
        bands.band_counting,
        targets.enterprise_scope,
        scopes.label_zh                                                as enterprise_scope_label
    from targets
    inner join in_window
        on in_window.park_code = targets.park_code
        and in_window.year = targets.year
        and in_window.metric = targets.metric
    left join catalog
        on catalog.metric = targets.metric
    left join bands
        on bands.metric = targets.metric
    left join parks
        on parks.park_code = targets.park_code
    left join scopes
        on scopes.enterprise_scope = targets.enterprise_scope
),

attainment as (
    select
        ---------- keys
        park_code,
        park_name,
        year,
        metric,
        metric_label,
        metric_label_en,
        ---------- target
        unit,
        target,
        target_window,
        clause_zh,
        ---------- actual and comparison
        actual,
        actual_count,
        gap,
        attainment_ratio,
        attained,
        case
            when actual is null then '无数据'
            when attained then '已达成'
            when is_final then '未达成'
            else '进行中'
        end                                                                as attainment_status,
        ---------- coverage and counting
        as_of_period,
        is_final,
        band_counting,
        ---------- whom the target counts
        enterprise_scope,
        enterprise_scope_label
    from compared
)

select * from attainment
{%- if is_incremental() %}
where exists (
    select 1
    from (select * from attainment except select * from {{ this }}) as changed
    where changed.park_code = attainment.park_code
        and changed.year = attainment.year
        and changed.metric = attainment.metric
)
{%- endif %}
