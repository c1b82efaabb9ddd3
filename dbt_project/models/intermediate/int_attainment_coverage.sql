{{ config(materialized='table') }}
-- A table, not a view: its six tests and int_attainment_actuals (compiled, then run) read it,
-- and each reading of a view would scan the whole register and year fact again.
-- How far each source of the plan's actuals is loaded, per year: one row per source and year
-- for which the source holds data about that year. A (source, year) without a row has no data:
-- the actuals built on it are null (unknown), not zero.
--
--   enterprise_year  marts.fct_enterprise_year (tax, employment, output, register): the year is
--                    covered when any enterprise extract has a month of it; as_of_period and
--                    is_final as in fct_enterprise_year (December loaded in all four extracts).
--   registration     the register snapshots: year-end stocks (科技型企业, 上市) are read from the
--                    year's last loaded snapshot (as_of_period); final when that is December.
--   projects,        registers whose latest snapshot is their current state: a year is covered
--   carriers         when the latest snapshot is from that year or later; as_of_period = the
--                    latest snapshot, or the year's December when the snapshot is later; final
--                    when the snapshot reaches the year's December.
--   indicators       the yearly indicators extract (indicators_<YYYY>): a year is covered when
--                    its file loaded rows; a yearly figure is final once delivered (as_of_period
--                    the year's December). A park or code without a row in it has no data.
--
-- Years: the plan's years and every year with data in a source.
-- loaded_at: the newest load of the data behind the year (int_attainment_actuals is rebuilt
-- per source and year when it moves).
with enterprise_year as (
    select
        year,
        max(as_of_period)               as as_of_period,
        bool_and(is_final)              as is_final,
        max(_source_loaded_at)          as loaded_at
    from {{ ref('fct_enterprise_year') }}
    group by year
),

registration as (
    select
        year,
        max(period)                     as as_of_period,
        max(month) = 12                 as is_final,
        max(_loaded_at)                 as loaded_at
    from {{ ref('stg_raw__registration') }}
    group by year
),

registers_latest as (
    select 'projects' as source, max(period) as latest_period, max_by(_loaded_at, period) as loaded_at
    from {{ ref('stg_raw__projects') }}
    union all
    select 'carriers' as source, max(period) as latest_period, max_by(_loaded_at, period) as loaded_at
    from {{ ref('stg_raw__carriers') }}
),

indicators as (
    select
        year,
        make_date(year, 12, 1)          as as_of_period,
        true                            as is_final,
        max(_loaded_at)                 as loaded_at
    from {{ ref('stg_raw__indicators') }}
    group by year
),

years as (
    select distinct year from {{ ref('plan_targets') }}
    union
    select year from enterprise_year
    union
    select year from registration
    union
    select cast(year(latest_period) as integer) from registers_latest
    where latest_period is not null
),

registers as (
    select
        registers_latest.source,
        years.year,
        least(registers_latest.latest_period, make_date(years.year, 12, 1)) as as_of_period,
        registers_latest.latest_period >= make_date(years.year, 12, 1)      as is_final,
        registers_latest.loaded_at
    from registers_latest
    inner join years
        on registers_latest.latest_period >= make_date(years.year, 1, 1)
)

select 'enterprise_year' as source, year, as_of_period, is_final, loaded_at from enterprise_year
union all
select 'registration' as source, year, as_of_period, is_final, loaded_at from registration
union all
select source, year, as_of_period, is_final, loaded_at from registers
union all
select 'indicators' as source, year, as_of_period, is_final, loaded_at from indicators
