-- Projects of the register that carry an industry code (the optional 行业代码 column), with
-- whether the code is in the positioning of the park the project is in: "未按照产业功能定位所
-- 引进的项目，有关部门不予审批" (plan 四(四)3). One row per project of the register's latest
-- snapshot with a code; projects without one cannot be judged and are counted, not listed,
-- in park_positioning_year. Every status is kept (a 终止 project was still signed).
with latest_projects as (
    select *
    from {{ ref('stg_raw__projects') }}
    qualify period = max(period) over ()
),

positioned as (
    select * from {{ ref('int_park_positioned_classes') }}
),

positioned_parks as (
    select distinct park_code from {{ ref('park_positioning') }}
),

parks as (
    select * from {{ ref('dim_park') }}
),

classes as (
    select * from {{ ref('industry_classes') }}
)

select
    latest_projects.park_code,
    parks.park_name,
    latest_projects.project_id,
    latest_projects.project_name,
    latest_projects.signed_on,
    cast(year(latest_projects.signed_on) as integer)           as signed_year,
    latest_projects.status,
    latest_projects.category,
    latest_projects.agreed_investment_100m,
    latest_projects.investor_uscc,
    latest_projects.industry_code,
    classes.class_name                                         as industry_class_name,
    classes.section_code                                       as industry_section_code,
    case
        when positioned_parks.park_code is null then null
        else positioned.class_code is not null
    end                                                        as is_positioned,
    positioned.positioned_industries,
    parks.positioning                                          as park_positioning,
    latest_projects.period                                     as register_period
from latest_projects
inner join parks
    on parks.park_code = latest_projects.park_code
left join positioned_parks
    on positioned_parks.park_code = latest_projects.park_code
left join positioned
    on positioned.park_code = latest_projects.park_code
    and positioned.class_code = latest_projects.industry_code
left join classes
    on classes.class_code = latest_projects.industry_code
where latest_projects.industry_code is not null
