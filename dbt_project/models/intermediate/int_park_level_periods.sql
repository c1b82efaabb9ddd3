{{ config(tags=['reference_data']) }}  -- from the seeds alone (dbt_project.yml)
-- Each park's level over time, from the park_levels seed: one row per level in force, valid
-- from valid_from (inclusive) to the park's next in-force valid_from (exclusive; null = still
-- in force), with the investment-intensity threshold of the level. Rows with in_force = false
-- (upgrades the plan only strives for, not confirmed) are left out: the bureau switches them on.
with levels as (
    select * from {{ ref('park_levels') }}
    where in_force
),

thresholds as (
    select * from {{ ref('land_intensity_thresholds') }}
)

select
    levels.park_code,
    levels.level,
    levels.valid_from,
    lead(levels.valid_from) over (
        partition by levels.park_code order by levels.valid_from
    )                                           as valid_to,
    thresholds.min_intensity_10k_per_mu,
    levels.basis,
    levels.clause_zh
from levels
left join thresholds
    on thresholds.level = levels.level
