{{ config(tags=['reference_data']) }}  -- from the seeds alone (dbt_project.yml)
-- Per park: every GB/T 4754-2017 class in its positioning (plan 四(一), 五(二)1), the codes of
-- the park_positioning seed expanded to the classes under them at their level. A class named
-- by several of the park's industries is one row, with every industry listed.
with positioning as (
    select * from {{ ref('park_positioning') }}
),

classes as (
    select * from {{ ref('industry_classes') }}
)

select
    positioning.park_code,
    classes.class_code,
    string_agg(distinct positioning.industry_zh, '、' order by positioning.industry_zh)
        as positioned_industries
from positioning
inner join classes
    on case positioning.code_level
        when 'section' then classes.section_code = positioning.code
        when 'division' then classes.division_code = positioning.code
        when 'group' then classes.group_code = positioning.code
        when 'class' then classes.class_code = positioning.code
    end
group by positioning.park_code, classes.class_code
