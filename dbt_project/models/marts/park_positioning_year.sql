-- Per park (or county zone) and year: how much of the park is in its positioning (plan 四(一),
-- 五(二)1): the share of its enterprises, output and tax in positioned industries; how many
-- enterprises entered it that year and how many of them outside the positioning
-- (positioning_entrants); how many projects signed that year carry an industry code and how
-- many of those are outside it (positioning_projects, 四(四)3).
--
-- Rules (docs/industrial-positioning.md):
--   * enterprises: those of fct_enterprise_year in the park that year (park and industry of the
--     last registered month of the year); positioned when their class is in the park's
--     positioning (int_park_positioned_classes).
--   * output: tier_output_basis_10k, the plan's 产值 (gross industrial output for industrial
--     enterprises, operating revenue for the others: 现代服务业 or 物流 have no industrial
--     output); tax: annual_tax_yuan.
--   * shares are positioned / all, null when the park has no positioning (城关区) or the total
--     is zero. The contributors and largest contribution of each part (positioned, outside)
--     are kept for disclosure control: a share and the park's published total give both parts
--     (pipelines/reports/data.py hides a share when either part is sensitive).
--   * every park of dim_park gets a row for every year of fct_enterprise_year and of the plan.
with enterprise_years as not materialized (
    select * from {{ ref('fct_enterprise_year') }}
    where park_code is not null
),

positioned as (
    select * from {{ ref('int_park_positioned_classes') }}
),

positioned_parks as (
    select distinct park_code from {{ ref('park_positioning') }}
),

parks as (
    select * from {{ ref('parks') }}
),

years as (
    select distinct year from enterprise_years
    union
    select distinct year from {{ ref('plan_targets') }}
),

classified as (
    select
        enterprise_years.park_code,
        enterprise_years.year,
        enterprise_years.uscc,
        enterprise_years.tier_output_basis_10k                as output_10k,
        enterprise_years.annual_tax_yuan                      as tax_yuan,
        positioned.class_code is not null                     as is_positioned
    from enterprise_years
    left join positioned
        on positioned.park_code = enterprise_years.park_code
        and positioned.class_code = enterprise_years.industry_code
),

enterprise_shares as (
    select
        park_code,
        year,
        count(*)                                                            as enterprises,
        count(*) filter (where is_positioned)                               as enterprises_positioned,
        coalesce(sum(output_10k), 0)                                        as output_10k,
        coalesce(sum(output_10k) filter (where is_positioned), 0)           as output_positioned_10k,
        count(*) filter (where is_positioned and coalesce(output_10k, 0) <> 0)     as output_positioned_contributors,
        max(abs(output_10k)) filter (where is_positioned)                   as output_positioned_largest_10k,
        count(*) filter (where not is_positioned and coalesce(output_10k, 0) <> 0) as output_outside_contributors,
        max(abs(output_10k)) filter (where not is_positioned)               as output_outside_largest_10k,
        coalesce(sum(tax_yuan), 0)                                          as tax_yuan,
        coalesce(sum(tax_yuan) filter (where is_positioned), 0)             as tax_positioned_yuan,
        count(*) filter (where is_positioned and coalesce(tax_yuan, 0) <> 0)       as tax_positioned_contributors,
        max(abs(tax_yuan)) filter (where is_positioned)                     as tax_positioned_largest_yuan,
        count(*) filter (where not is_positioned and coalesce(tax_yuan, 0) <> 0)   as tax_outside_contributors,
        max(abs(tax_yuan)) filter (where not is_positioned)                 as tax_outside_largest_yuan
    from classified
    group by park_code, year
),

entrants as (
    select
        park_code,
        entry_year                                    as year,
        count(*)                                      as entrants,
        count(*) filter (where not is_positioned)     as entrants_outside
    from {{ ref('positioning_entrants') }}
    group by park_code, entry_year
),

latest_projects as (
    select *
    from {{ ref('stg_raw__projects') }}
    qualify period = max(period) over ()
),

projects_signed as (
    select
        park_code,
        cast(year(signed_on) as integer)              as year,
        count(*)                                      as projects_signed,
        count(industry_code)                          as projects_with_code
    from latest_projects
    group by park_code, year(signed_on)
),

projects_outside as (
    select
        park_code,
        signed_year                                   as year,
        count(*) filter (where not is_positioned)     as projects_outside
    from {{ ref('positioning_projects') }}
    group by park_code, signed_year
),

park_years as (
    select parks.park_code, parks.park_name, parks.positioning, parks.display_order, years.year
    from parks
    cross join years
)

select
    park_years.park_code,
    park_years.park_name,
    park_years.year,
    positioned_parks.park_code is not null                            as has_positioning,
    park_years.positioning                                            as park_positioning,
    ---------- enterprises (count, share)
    coalesce(enterprise_shares.enterprises, 0)                        as enterprises,
    case when positioned_parks.park_code is not null
        then coalesce(enterprise_shares.enterprises_positioned, 0) end as enterprises_positioned,
    case when positioned_parks.park_code is not null and enterprise_shares.enterprises > 0
        then enterprise_shares.enterprises_positioned / enterprise_shares.enterprises end
                                                                      as share_enterprises,
    ---------- output (万元)
    coalesce(enterprise_shares.output_10k, 0)                         as output_10k,
    case when positioned_parks.park_code is not null
        then coalesce(enterprise_shares.output_positioned_10k, 0) end as output_positioned_10k,
    case when positioned_parks.park_code is not null and enterprise_shares.output_10k <> 0
        then cast(enterprise_shares.output_positioned_10k as double)
            / cast(enterprise_shares.output_10k as double) end        as share_output,
    coalesce(enterprise_shares.output_positioned_contributors, 0)     as output_positioned_contributors,
    enterprise_shares.output_positioned_largest_10k,
    coalesce(enterprise_shares.output_outside_contributors, 0)        as output_outside_contributors,
    enterprise_shares.output_outside_largest_10k,
    ---------- tax (元)
    coalesce(enterprise_shares.tax_yuan, 0)                           as tax_yuan,
    case when positioned_parks.park_code is not null
        then coalesce(enterprise_shares.tax_positioned_yuan, 0) end   as tax_positioned_yuan,
    case when positioned_parks.park_code is not null and enterprise_shares.tax_yuan <> 0
        then cast(enterprise_shares.tax_positioned_yuan as double)
            / cast(enterprise_shares.tax_yuan as double) end          as share_tax,
    coalesce(enterprise_shares.tax_positioned_contributors, 0)        as tax_positioned_contributors,
    enterprise_shares.tax_positioned_largest_yuan,
    coalesce(enterprise_shares.tax_outside_contributors, 0)           as tax_outside_contributors,
    enterprise_shares.tax_outside_largest_yuan,
    ---------- entrants during the plan period
    coalesce(entrants.entrants, 0)                                    as entrants,
    case when positioned_parks.park_code is not null
        then coalesce(entrants.entrants_outside, 0) end               as entrants_outside,
    ---------- projects signed in the year (latest register snapshot)
    coalesce(projects_signed.projects_signed, 0)                      as projects_signed,
    coalesce(projects_signed.projects_with_code, 0)                   as projects_with_code,
    case when positioned_parks.park_code is not null
        then coalesce(projects_outside.projects_outside, 0) end       as projects_outside,
    park_years.display_order
from park_years
left join positioned_parks
    on positioned_parks.park_code = park_years.park_code
left join enterprise_shares
    on enterprise_shares.park_code = park_years.park_code
    and enterprise_shares.year = park_years.year
left join entrants
    on entrants.park_code = park_years.park_code
    and entrants.year = park_years.year
left join projects_signed
    on projects_signed.park_code = park_years.park_code
    and projects_signed.year = park_years.year
left join projects_outside
    on projects_outside.park_code = park_years.park_code
    and projects_outside.year = park_years.year
