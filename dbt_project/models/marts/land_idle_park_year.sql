-- Idle land per park and year: every park for every year with a land snapshot (zeros where it
-- has no idle land), as of the year's last snapshot month (December, or the latest month of
-- the year in progress): the parcels idle for a year or more, their area, the reclaim
-- candidates (idle two years or more) and their area; and the idle fees that fell due in the
-- year: the fee of every parcel whose fee month (the month it turned one year idle) is in the
-- year, each parcel once. A fee that fell due before the first snapshot's year is in no row.
with idle as not materialized (
    select * from {{ ref('land_idle_parcels') }}
),

snapshots as (
    select year, max(period) as as_of_period
    from {{ ref('stg_raw__land') }}
    group by year
),

parks as (
    select park_code, park_name from {{ ref('dim_park') }}
),

year_end as (
    select
        idle.park_code,
        idle.year,
        count(*) filter (where idle.is_idle)                             as idle_parcels,
        coalesce(sum(idle.area_mu) filter (where idle.is_idle), 0)       as idle_area_mu,
        count(*) filter (where idle.is_reclaim_candidate)                as reclaim_candidates,
        coalesce(sum(idle.area_mu) filter (where idle.is_reclaim_candidate), 0)
                                                                         as reclaim_area_mu
    from idle
    inner join snapshots
        on snapshots.as_of_period = idle.period
    group by idle.park_code, idle.year
),

fees as (
    -- each parcel once, in the park of the first snapshot listing it idle, in the year of its
    -- fee month (a fee falls due when the parcel turns one year idle, whether or not that
    -- month's snapshot was delivered)
    select park_code, cast(year(fee_month) as integer) as year, fee_due_10k as fees_due_10k
    from idle
    where is_idle
    qualify row_number() over (partition by parcel_id order by period) = 1
),

fees_per_year as (
    select park_code, year, count(*) as fee_parcels, sum(fees_due_10k) as fees_due_10k
    from fees
    group by park_code, year
)

select
    ---------- keys
    parks.park_code,
    parks.park_name,
    snapshots.year,
    snapshots.as_of_period,
    ---------- at the year's last snapshot
    coalesce(year_end.idle_parcels, 0)                                   as idle_parcels,
    cast(coalesce(year_end.idle_area_mu, 0) as decimal(20, 6))           as idle_area_mu,
    coalesce(year_end.reclaim_candidates, 0)                             as reclaim_candidates,
    cast(coalesce(year_end.reclaim_area_mu, 0) as decimal(20, 6))        as reclaim_area_mu,
    ---------- over the year
    coalesce(fees_per_year.fee_parcels, 0)                               as fee_parcels,
    cast(coalesce(fees_per_year.fees_due_10k, 0) as decimal(20, 6))      as fees_due_10k
from parks
cross join snapshots
left join year_end
    on year_end.park_code = parks.park_code
    and year_end.year = snapshots.year
left join fees_per_year
    on fees_per_year.park_code = parks.park_code
    and fees_per_year.year = snapshots.year
