-- The plan's qualitative milestones (plan_milestones seed) with the park's name and whether
-- each is overdue as far as the loaded data can tell.
--
-- The warehouse's "now" is the latest month loaded in any extract (registration, tax,
-- employment, output, projects, carriers), not the clock, so the mart is reproducible.
-- A milestone is overdue when it is not 已完成 and that latest month has reached the December
-- of its due year (the due year is over once its December extract is in). Before any data is
-- loaded nothing is overdue.
with milestones as (
    select * from {{ ref('plan_milestones') }}
),

parks as (
    select park_code, park_name from {{ ref('dim_park') }}
),

latest as (
    -- the raw tables hold the current revision of each loaded month (as staging does); their
    -- latest month is a cheap column scan, where staging would rank every row's revision
    select max(period) as latest_period
    from (
        {%- for kind in ['registration', 'tax', 'employment', 'output', 'projects', 'carriers'] %}
        select max(period) as period from {{ source('raw', kind) }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    )
)

select
    ---------- keys
    milestones.milestone_id,
    milestones.park_code,
    parks.park_name,
    ---------- the milestone
    milestones.due_year,
    milestones.milestone_zh,
    milestones.milestone_en,
    milestones.clause_zh,
    ---------- status (maintained by hand in the seed)
    milestones.status,
    milestones.status_updated_on,
    milestones.status_note,
    milestones.status = '已完成'                                          as is_completed,
    ---------- against the loaded data
    latest.latest_period                                                  as as_of_period,
    cast(year(latest.latest_period) as integer)                           as as_of_year,
    coalesce(
        milestones.status <> '已完成'
        and latest.latest_period >= make_date(milestones.due_year, 12, 1),
        false
    )                                                                     as is_overdue
from milestones
cross join latest
left join parks
    on parks.park_code = milestones.park_code
