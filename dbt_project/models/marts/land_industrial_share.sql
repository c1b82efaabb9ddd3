-- The share of industrial land (产业用地) in each park's planned area (规划面积), per park and
-- year, against the plan's floor (四(四)1: 产业用地比重不得低于园区规划面积的60%; the floor is
-- seeds/land_share_rules.csv). Industrial land: the parcels of the year's last land snapshot
-- whose use counts as industrial land (seeds/land_use_classes.csv industrial_land: 工业 and
-- 仓储, a documented reading). Planned area: the park's planned_area_mu of that year's
-- indicators file. One row per park and year with a land snapshot or a planned area: without a
-- planned area, or without a land snapshot that year, the share is null and the status says
-- which is missing (无规划面积数据, 无供地数据), never a guess; a snapshot without industrial
-- parcels is a real 0.
with snapshots as (
    select year, max(period) as as_of_period
    from {{ ref('stg_raw__land') }}
    group by year
),

industrial_area as (
    select land.park_code, snapshots.year, sum(land.area_mu) as industrial_area_mu
    from {{ ref('stg_raw__land') }} as land
    inner join snapshots
        on snapshots.as_of_period = land.period
    inner join {{ ref('land_use_classes') }} as uses
        on uses.land_use = land.land_use
    where uses.industrial_land
    group by land.park_code, snapshots.year
),

planned as not materialized (
    select park_code, year, value as planned_area_mu
    from {{ ref('stg_raw__indicators') }}
    where indicator_code = 'planned_area_mu' and park_code <> 'CITY'
),

years as (
    select year from snapshots
    union
    select year from planned
),

rule as (
    select cast(min_industrial_share_pct as decimal(9, 4)) as min_share_pct
    from {{ ref('land_share_rules') }}
),

measured as (
    select
        parks.park_code,
        parks.park_name,
        years.year,
        snapshots.as_of_period,
        -- no snapshot that year: unknown; a snapshot without industrial parcels: 0
        cast(case when snapshots.as_of_period is not null
                  then coalesce(industrial_area.industrial_area_mu, 0) end as decimal(20, 6))
                                                                               as industrial_area_mu,
        cast(planned.planned_area_mu as decimal(20, 6))                        as planned_area_mu
    from {{ ref('dim_park') }} as parks
    cross join years
    left join snapshots
        on snapshots.year = years.year
    left join industrial_area
        on industrial_area.park_code = parks.park_code
        and industrial_area.year = years.year
    left join planned
        on planned.park_code = parks.park_code
        and planned.year = years.year
)

select
    ---------- keys
    measured.park_code,
    measured.park_name,
    measured.year,
    measured.as_of_period,
    ---------- figures
    measured.industrial_area_mu,
    measured.planned_area_mu,
    -- a ratio (DuckDB divides decimals as doubles), stored at 4 decimals for display; the
    -- comparison with the floor is exact: area x 100 >= floor x planned area
    cast(round(measured.industrial_area_mu * 100 / nullif(measured.planned_area_mu, 0), 4)
         as decimal(9, 4))                                                  as industrial_share_pct,
    rule.min_share_pct,
    case
        when nullif(measured.planned_area_mu, 0) is null or measured.as_of_period is null then null
        else measured.industrial_area_mu * 100 >= rule.min_share_pct * measured.planned_area_mu
    end                                                                     as meets_floor,
    case
        when nullif(measured.planned_area_mu, 0) is null then '无规划面积数据'
        when measured.as_of_period is null then '无供地数据'
        when measured.industrial_area_mu * 100 >= rule.min_share_pct * measured.planned_area_mu
            then '达标'
        else '未达标'
    end                                                                     as status
from measured
cross join rule
