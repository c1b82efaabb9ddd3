-- Within a dimension, tier codes rank the thresholds: T1 has the highest minimum, then T2,
-- then T3, and each (dimension, tier) occurs once. The marts take "the highest tier reached"
-- as the tier with the highest threshold met and count "at or above" by tier code, so both
-- orders must agree. Returns the offending rows.
with thresholds as (
    select dimension, tier, cast(min_value as decimal(20, 2)) as min_value
    from {{ ref('tier_thresholds') }}
    where tier is not null
),

ranked as (
    select
        *,
        count(*) over (partition by dimension, tier) as n_same_tier,
        lead(min_value) over (partition by dimension order by tier) as next_tier_min_value
    from thresholds
)

select *
from ranked
where n_same_tier > 1
   or min_value <= next_tier_min_value
