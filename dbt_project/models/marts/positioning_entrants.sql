-- Enterprises that entered a park during the plan period (plan 四(一), 四(四)3), with whether
-- their industry is in the park's positioning. One row per enterprise and park it entered.
--
-- Rules (docs/industrial-positioning.md):
--   * entered: the first month the enterprise is in the register (current revisions) with
--     that park falls within the plan's years (the years of plan_targets), and either it is
--     not the register's first loaded month, or the enterprise was established on or after
--     the plan's first day. An enterprise already in the first snapshot and established
--     before the plan is an incumbent, not an entrant; a move from another park is an entry.
--   * industry: the register's 行业代码 in the month of entry.
--   * is_positioned: that class is in the park's positioning (int_park_positioned_classes);
--     null for a park the plan gives no positioning (城关区).
-- The register's history is read as dim_enterprise's versions (a version starts where a register
-- attribute, the park included, changes): the first version of an enterprise in a park starts
-- in the first month it is registered there, one row per version rather than per month.
with versions as not materialized (
    select * from {{ ref('dim_enterprise') }}
),

plan_years as (
    select min(year) as first_year, max(year) as last_year
    from {{ ref('plan_targets') }}
),

register_start as (
    select min(valid_from) as first_period from versions
),

first_months as (
    select
        uscc,
        park_code,
        valid_from                                             as entered_period,
        enterprise_name,
        industry_code,
        industry_class_name,
        industry_section_code,
        established_on
    from versions
    qualify row_number() over (partition by uscc, park_code order by valid_from) = 1
),

positioned as (
    select * from {{ ref('int_park_positioned_classes') }}
),

positioned_parks as (
    select distinct park_code from {{ ref('park_positioning') }}
),

parks as (
    select * from {{ ref('dim_park') }}
)

select
    first_months.park_code,
    parks.park_name,
    first_months.uscc,
    first_months.enterprise_name,
    first_months.entered_period,
    cast(year(first_months.entered_period) as integer)         as entry_year,
    first_months.entered_period = register_start.first_period  as in_first_snapshot,
    first_months.established_on,
    first_months.industry_code,
    first_months.industry_class_name,
    first_months.industry_section_code,
    case
        when positioned_parks.park_code is null then null
        else positioned.class_code is not null
    end                                                        as is_positioned,
    positioned.positioned_industries,
    parks.positioning                                          as park_positioning
from first_months
cross join plan_years
cross join register_start
inner join parks
    on parks.park_code = first_months.park_code
left join positioned_parks
    on positioned_parks.park_code = first_months.park_code
left join positioned
    on positioned.park_code = first_months.park_code
    and positioned.class_code = first_months.industry_code
where year(first_months.entered_period) between plan_years.first_year and plan_years.last_year
    and (
        first_months.entered_period > register_start.first_period
        or first_months.established_on >= make_date(plan_years.first_year, 1, 1)
    )
