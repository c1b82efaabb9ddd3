{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='uscc',
    on_schema_change='sync_all_columns',
) }}
-- Validity periods of each enterprise's register attributes, derived from the monthly
-- snapshots (gaps and islands), not from dbt snapshots: the result depends only on the loaded
-- months, so a backfill or a reload reproduces the same history.
--
-- An island is a run of consecutive months in which the enterprise appears in the register
-- with identical attributes. A change of any attribute, or a gap (a month in which the
-- enterprise is absent from the register), starts a new island.
-- valid_from = first period of the island, valid_to = last period of the island (both are
-- first-of-month dates; the version holds through the whole month of valid_to).
--
-- Incremental by enterprise (macros/incremental_periods.sql), two cases:
--   * new months after every month built (the monthly load): each enterprise in them extends
--     or follows its last built version; the history before that version is not re-read.
--   * a revised or back-filled month: the enterprises in it, before or after the revision,
--     get their whole history recomputed from the register; the others are untouched.
-- Either way an affected enterprise's versions are replaced whole (delete+insert by uscc).
-- Which version is current, and which is the last, is decided in dim_enterprise: that
-- changes for every enterprise each month and costs one pass over the versions there.
{%- set months = stale_periods(['registration']) %}
{%- set appending = months and months[0] > last_built_period('valid_to') %}

with registration as (
    select * from {{ ref('int_registration_classified') }}
    {%- if is_incremental() and not months %}
    where false
    {%- elif is_incremental() and appending %}
    where {{ only_keys('period', months) }}
    {%- elif is_incremental() %}
    where uscc in (
        select uscc from {{ ref('int_registration_classified') }} where {{ only_keys('period', months) }}
        union
        select uscc from {{ this }}
        where {% for m in months %}date '{{ m }}' between valid_from and valid_to{% if not loop.last %} or {% endif %}{% endfor %}
    )
    {%- endif %}
),

{#- An island as a piece of months: a register row is one month; a built version is its months. #}
{%- set attribute_columns = [
    'enterprise_name', 'park_code', 'industry_code', 'status', 'established_on',
    'registered_capital_10k', 'is_high_tech', 'is_tech_sme', 'is_tech_leader', 'listing_board',
] %}
{%- set carried_columns = ['industry_division_code', 'industry_section_code', 'is_industrial'] %}

pieces as (
    select
        uscc,
        period                             as first_period,
        period                             as last_period,
        1                                  as months,
        0                                  as versions_before,
        {% for c in attribute_columns + carried_columns %}{{ c }}, {% endfor %}
        _loaded_at                         as loaded_at
    from registration
    {%- if is_incremental() and appending %}
    union all
    -- the last built version of each enterprise in the new months: they may extend it
    select
        uscc,
        valid_from,
        valid_to,
        months_in_version,
        version_number - 1,
        {% for c in attribute_columns + carried_columns %}{{ c }}, {% endfor %}
        _source_loaded_at
    from {{ this }}
    where uscc in (select uscc from registration)
    qualify version_number = max(version_number) over (partition by uscc)
    {%- endif %}
),

flagged as (
    select
        *,
        case
            when lag(last_period) over by_time is null then 1
            when year(lag(last_period) over by_time) * 12 + month(lag(last_period) over by_time)
                <> first_month_index - 1 then 1
            when lag(attributes) over by_time is distinct from attributes then 1
            else 0
        end as starts_island
    from (
        select
            *,
            year(first_period) * 12 + month(first_period) as first_month_index,
            { {% for c in attribute_columns %}'{{ c }}': {{ c }}{% if not loop.last %}, {% endif %}{% endfor %} } as attributes
        from pieces
    )
    window by_time as (partition by uscc order by first_period)
),

numbered as (
    select
        *,
        max(versions_before) over (partition by uscc)
            + sum(starts_island) over (
                partition by uscc order by first_period rows between unbounded preceding and current row
            ) as version_number
    from flagged
),

islands as (
    select
        uscc,
        cast(version_number as integer)    as version_number,
        min(first_period)                  as valid_from,
        max(last_period)                   as valid_to,
        cast(sum(months) as integer)       as months_in_version,
        {%- for c in attribute_columns + carried_columns %}
        any_value({{ c }})                 as {{ c }},
        {%- endfor %}
        max(loaded_at)                     as _source_loaded_at
    from numbered
    group by uscc, version_number
)

select
    uscc || '#' || strftime(valid_from, '%Y%m') as enterprise_version_key,
    uscc,
    version_number,
    valid_from,
    valid_to,
    months_in_version,
    {%- for c in attribute_columns + carried_columns %}
    {{ c }},
    {%- endfor %}
    _source_loaded_at
from islands
{%- if is_incremental() and appending %}
union all by name
-- the versions before the last of the enterprises in the new months, kept as they were
select * exclude (version_number_last)
from (
    select *, max(version_number) over (partition by uscc) as version_number_last
    from {{ this }}
    where uscc in (select uscc from registration)
)
where version_number < version_number_last
{%- endif %}
