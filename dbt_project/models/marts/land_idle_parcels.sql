-- Parcels not started after their agreed start, per month: every parcel of the month's own
-- snapshot of the land register (land_<YYYYMM>: a full snapshot, so a month uses its own file,
-- never another month's) with no 实际开工日期 on or before the month's last day, whose agreed
-- start (约定开工日期) is before that day. The month's last day is the reference date.
--
-- Counting (land_idle_rules): a parcel is idle (闲置满一年) from the same calendar date
-- idle_after_months (12) after its agreed start (2018-06-30 -> 2019-06-30; 2019-02-28 ->
-- 2020-02-28; a 29 February start -> 28 February), and a candidate for reclaim without
-- compensation (无偿收回) from reclaim_after_months (24) after it. days_idle counts the days
-- from the agreed start to the reference date. Its idle fee (闲置费 = idle_fee_share × 土地价款)
-- falls due in the month it turns one year idle (fee_month) and stays due in every month it is
-- listed idle; parcels overdue for less than a year are listed with no fee (an early warning).
-- Any land use: the idle-land rules are not limited to industrial land.
with parcels as (
    select * from {{ ref('stg_raw__land') }}
),

rules as (
    select * from {{ ref('land_idle_rules') }}
),

parks as (
    select park_code, park_name from {{ ref('dim_park') }}
),

dated as (
    select
        parcels.*,
        last_day(parcels.period)                                                        as as_of_date,
        cast(parcels.agreed_start_on + to_months(rules.idle_after_months) as date)      as idle_from,
        cast(parcels.agreed_start_on + to_months(rules.reclaim_after_months) as date)   as reclaim_from,
        rules.idle_fee_share
    from parcels
    cross join rules
),

overdue as (
    select *
    from dated
    where (actual_start_on is null or actual_start_on > as_of_date)
        and agreed_start_on < as_of_date
)

select
    ---------- keys
    overdue.period,
    overdue.year,
    overdue.month,
    overdue.parcel_id,
    overdue.park_code,
    parks.park_name,
    ---------- the parcel
    overdue.holder_uscc,
    overdue.land_use,
    overdue.area_mu,
    overdue.land_price_10k,
    overdue.supplied_on,
    overdue.agreed_start_on,
    ---------- idleness at the month's last day
    overdue.as_of_date,
    cast(overdue.as_of_date - overdue.agreed_start_on as integer)        as days_idle,
    overdue.idle_from,
    overdue.reclaim_from,
    overdue.as_of_date >= overdue.idle_from                              as is_idle,
    overdue.as_of_date >= overdue.reclaim_from                           as is_reclaim_candidate,
    case
        when overdue.as_of_date >= overdue.reclaim_from then '闲置满两年'
        when overdue.as_of_date >= overdue.idle_from then '闲置满一年'
        else '逾期未开工'
    end                                                                  as idle_status,
    cast(date_trunc('month', overdue.idle_from) as date)                 as fee_month,
    cast(
        case
            when overdue.as_of_date >= overdue.idle_from
                then overdue.land_price_10k * overdue.idle_fee_share
            else 0
        end as decimal(20, 6)
    )                                                                    as fee_due_10k,
    ---------- lineage
    overdue._source_file,
    overdue._source_row
from overdue
left join parks
    on parks.park_code = overdue.park_code
