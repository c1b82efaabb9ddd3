-- Idle land (plan 四(四)1) in the latest land snapshot: every parcel idle for a year or more
-- (no 实际开工日期 a calendar year after its 约定开工日期), with its park, holder, days idle since
-- the agreed start and the idle fee due (20 % of the land price, seeds/land_idle_rules.csv);
-- 闲置满两年 = candidate for reclaim without compensation. Then per park and year: idle area,
-- reclaim candidates and the fees that fell due in the year. Names holders: internal use.
select park_name, parcel_id, holder_uscc, land_use, area_mu, agreed_start_on, days_idle,
       idle_status, strftime(fee_month, '%Y-%m') as fee_month, round(fee_due_10k, 2) as fee_due_10k
from marts.land_idle_parcels
where is_idle and period = (select max(period) from marts.land_idle_parcels)
order by days_idle desc, parcel_id
limit 15;

select park_name, year, strftime(as_of_period, '%Y-%m') as as_of, idle_parcels,
       round(idle_area_mu, 2) as idle_area_mu, reclaim_candidates, fee_parcels,
       round(fees_due_10k, 2) as fees_due_10k
from marts.land_idle_park_year
where idle_parcels > 0 or fee_parcels > 0
order by year, park_code;
