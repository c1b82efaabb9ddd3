-- Fixed-asset investment intensity of every parcel whose land use the threshold applies to
-- (land_use_classes.intensity_applies: 工业, not 仓储), per monthly snapshot of the land register:
-- 累计固定资产投资 / 面积 (万元/亩) against the threshold of the park's level in force on the
-- parcel's supply date (int_park_level_periods). The level in force at the snapshot's month
-- end is shown beside it: an upgrade after the supply does not raise the parcel's threshold.
-- meets_threshold compares investment with threshold × area, exact decimals (at the threshold
-- meets it: 不得低于); the intensity column is rounded to 0.01 for display.
with parcels as (
    select * from {{ ref('stg_raw__land') }}
),

uses as (
    select * from {{ ref('land_use_classes') }}
),

levels as not materialized (
    select * from {{ ref('int_park_level_periods') }}
),

parks as (
    select park_code, park_name from {{ ref('dim_park') }}
),

applied as (
    select parcels.*, last_day(parcels.period) as as_of_date
    from parcels
    inner join uses
        on uses.land_use = parcels.land_use
    where uses.intensity_applies
)

select
    ---------- keys
    applied.period,
    applied.year,
    applied.month,
    applied.parcel_id,
    applied.park_code,
    parks.park_name,
    ---------- the parcel
    applied.land_use,
    applied.holder_uscc,
    applied.supplied_on,
    applied.actual_start_on,
    applied.actual_start_on is not null                                      as is_started,
    applied.area_mu,
    applied.fixed_investment_10k,
    cast(round(applied.fixed_investment_10k / applied.area_mu, 2) as decimal(20, 2))
                                                                             as intensity_10k_per_mu,
    ---------- the threshold: the park's level on the supply date
    at_supply.level                                                          as level_at_supply,
    at_supply.min_intensity_10k_per_mu                                       as threshold_10k_per_mu,
    now_level.level                                                          as level_at_snapshot,
    applied.fixed_investment_10k >= at_supply.min_intensity_10k_per_mu * applied.area_mu
                                                                             as meets_threshold,
    greatest(
        at_supply.min_intensity_10k_per_mu * applied.area_mu - applied.fixed_investment_10k, 0
    )                                                                        as shortfall_10k,
    ---------- lineage
    applied._source_file,
    applied._source_row
from applied
left join parks
    on parks.park_code = applied.park_code
left join levels as at_supply
    on at_supply.park_code = applied.park_code
    and applied.supplied_on >= at_supply.valid_from
    and (at_supply.valid_to is null or applied.supplied_on < at_supply.valid_to)
left join levels as now_level
    on now_level.park_code = applied.park_code
    and applied.as_of_date >= now_level.valid_from
    and (now_level.valid_to is null or applied.as_of_date < now_level.valid_to)
