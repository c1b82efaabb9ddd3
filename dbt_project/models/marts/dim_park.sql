{{ config(tags=['reference_data']) }}  -- from the seeds alone (dbt_project.yml)
-- Parks and county industrial zones of the plan, from the parks seed, with their aliases.
with parks as (
    select * from {{ ref('parks') }}
),

aliases as (
    select
        park_code,
        string_agg(alias, '、' order by alias) as aliases
    from {{ ref('park_aliases') }}
    group by park_code
)

select
    parks.park_code,
    parks.park_name,
    parks.park_kind,
    parks.park_kind = '园区'    as is_plan_park,
    parks.positioning,
    aliases.aliases
from parks
left join aliases
    on aliases.park_code = parks.park_code
