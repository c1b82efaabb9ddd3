{{ config(materialized='table') }}
-- Validity periods of each enterprise's register attributes, derived from the monthly
-- snapshots (gaps and islands), not from dbt snapshots: the result depends only on the loaded
-- months, so a backfill or a reload reproduces the same history.
--
-- An island is a run of consecutive months in which the enterprise appears in the register
-- with identical attributes. A change of any attribute, or a gap (a month in which the
-- enterprise is absent from the register), starts a new island.
-- valid_from = first period of the island, valid_to = last period of the island (both are
-- first-of-month dates; the version holds through the whole month of valid_to).
-- A table, not a view: dim_enterprise and five data tests read it, and the windows over the
-- whole register history are the costliest part of a build to repeat.
with registration as (
    select * from {{ ref('int_registration_classified') }}
),

with_attributes as (
    select
        *,
        year(period) * 12 + month(period) as month_index,
        {
            'enterprise_name': enterprise_name,
            'park_code': park_code,
            'industry_code': industry_code,
            'status': status,
            'established_on': established_on,
            'registered_capital_10k': registered_capital_10k,
            'is_high_tech': is_high_tech,
            'is_tech_sme': is_tech_sme,
            'is_tech_leader': is_tech_leader,
            'listing_board': listing_board
        } as attributes
    from registration
),

flagged as (
    select
        *,
        case
            when lag(month_index) over by_month is null then 1
            when lag(month_index) over by_month <> month_index - 1 then 1
            when lag(attributes) over by_month is distinct from attributes then 1
            else 0
        end as starts_island
    from with_attributes
    window by_month as (partition by uscc order by period)
),

numbered as (
    select
        *,
        sum(starts_island) over (
            partition by uscc order by period rows between unbounded preceding and current row
        ) as version_number
    from flagged
),

islands as (
    select
        uscc,
        cast(version_number as integer)  as version_number,
        min(period)                      as valid_from,
        max(period)                      as valid_to,
        cast(count(*) as integer)        as months_in_version,
        any_value(enterprise_name)       as enterprise_name,
        any_value(park_code)             as park_code,
        any_value(industry_code)         as industry_code,
        any_value(industry_division_code) as industry_division_code,
        any_value(industry_section_code) as industry_section_code,
        any_value(is_industrial)         as is_industrial,
        any_value(status)                as status,
        any_value(established_on)        as established_on,
        any_value(registered_capital_10k) as registered_capital_10k,
        any_value(is_high_tech)          as is_high_tech,
        any_value(is_tech_sme)           as is_tech_sme,
        any_value(is_tech_leader)        as is_tech_leader,
        any_value(listing_board)         as listing_board
    from numbered
    group by uscc, version_number
),

latest_snapshot as (
    select max(period) as latest_period from registration
)

select
    islands.uscc || '#' || strftime(islands.valid_from, '%Y%m') as enterprise_version_key,
    islands.*,
    islands.valid_to = latest_snapshot.latest_period          as is_current,
    islands.version_number = max(islands.version_number) over (partition by islands.uscc)
                                                              as is_last_version
from islands
cross join latest_snapshot
