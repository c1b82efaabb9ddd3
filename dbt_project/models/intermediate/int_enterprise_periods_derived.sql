{{ config(
    materialized='incremental',
    incremental_strategy='replace_enterprise_versions',
    unique_key='uscc',
    on_schema_change='sync_all_columns',
    post_hook=["{{ record_loads_taken_in(['registration']) }}"],
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
-- Incremental by enterprise (macros/incremental_periods.sql). The newest register load it has
-- taken in is its state (meta.incremental_state, written by the post-hook). Of the months
-- loaded since (meta.loads):
--   * new months after every month built (the monthly load): the islands are found among the
--     new months' rows alone, and the first one of an enterprise is joined to its last built
--     version when it continues it (the next month, the same attributes); the history before
--     is not re-read, and no window runs over the built versions.
--   * a revised month this table took in before: the enterprises the revision changed, added
--     or removed (meta.revision_changes) get their whole history recomputed from the register,
--     new months included; the others, in the month or not, are untouched.
--   * a back-filled month (or one revised before this table took it in): every enterprise in
--     it, before or after, gets its whole history recomputed; new months loaded with it are
--     then recomputed the same way.
-- Two compiled shapes besides the full build: one new month alone, or none (its rows are the
-- islands), and every other run (the islands of the recomputed enterprises and new months).
-- An enterprise's versions are replaced whole: the incremental strategy
-- (macros/replace_enterprise_versions.sql) deletes those of the enterprises written here and of
-- those a revision changed, so that one it removed from the only months it was in loses them.
-- Which version is current, and which is the last, is decided in dim_enterprise: that
-- changes for every enterprise each month and costs one pass over the versions there.
{%- set loads = months_loaded_since_taken_in('registration') %}
{%- set months = loads | map('first') | list %}
{%- set last_built = last_built_period('valid_to') %}
{%- set revised = [] %}
{%- if months and months[0] <= last_built %}
    {%- for period, taken_in_before in loads if taken_in_before %}{% do revised.append(period) %}{% endfor %}
{%- endif %}
{%- set unrevised = months | reject('in', revised) | list %}
{%- set appended = unrevised if unrevised and unrevised[0] > last_built else [] %}
{%- set backfilled = [] if appended else unrevised %}
{#- the monthly load (or nothing): the new month's rows are its islands #}
{%- set one_new_month = is_incremental() and appended | length <= 1 and not revised and not backfilled %}
{%- set attribute_columns = [
    'enterprise_name', 'park_code', 'industry_code', 'status', 'established_on',
    'registered_capital_10k', 'is_high_tech', 'is_tech_sme', 'is_tech_leader', 'listing_board',
] %}
{%- set carried_columns = ['industry_division_code', 'industry_section_code', 'is_industrial'] %}

with
{%- if is_incremental() and not one_new_month %}

affected as (
    -- the enterprises whose whole history is recomputed: those in a back-filled month (or whose
    -- versions span it), and those a revision of a month taken in before changed
    select uscc from {{ ref('int_registration_classified') }} where {{ only_keys('period', backfilled) }}
    union
    select uscc from {{ this }}
    where {% for m in backfilled %}date '{{ m }}' between valid_from and valid_to or {% endfor %}false
    union
    select record_key as uscc from {{ source('meta', 'revision_changes') }}
    where kind = 'registration' and {{ only_keys('period', revised) }}
        and replaced_at > {{ loads_taken_in('registration') }}
),

{%- endif %}

registration as (
    -- the new months' rows (a constant filter, which reaches the raw scan), and the other rows
    -- of the recomputed enterprises
    select * from {{ ref('int_registration_classified') }}
    where {{ only_keys('period', appended) }}
    {%- if is_incremental() and not one_new_month %}
    union all
    select * from {{ ref('int_registration_classified') }}
    where uscc in (select uscc from affected) and not {{ only_keys('period', appended) }}
    {%- endif %}
),

{% if one_new_month -%}


islands as (
    -- one new month: each enterprise's row is an island of its own
    select
        uscc,
        1                                  as version_number,
        period                             as valid_from,
        period                             as valid_to,
        1                                  as months_in_version,
        {%- for c in attribute_columns + carried_columns %}
        {{ c }},
        {%- endfor %}
        _loaded_at                         as _source_loaded_at
    from registration
),

{%- else %}

runs as (
    -- the months of an enterprise with the same attributes, minus their rank among them: a
    -- constant within a run of consecutive months, and a new value after a gap or a change
    -- (one sort of the rows by enterprise and attributes; a lag over each enterprise's months
    -- and a running sum of its changes took two sorts of every row, docs/performance.md)
    select
        *,
        year(period) * 12 + month(period) - row_number() over (
            partition by uscc, {{ attribute_columns | join(', ') }} order by period
        ) as run
    from registration
),

islands as (
    select
        uscc,
        cast(row_number() over (partition by uscc order by min(period)) as integer) as version_number,
        min(period)                        as valid_from,
        max(period)                        as valid_to,
        cast(count(*) as integer)          as months_in_version,
        {%- for c in attribute_columns %}
        {{ c }},
        {%- endfor %}
        {%- for c in carried_columns %}
        any_value({{ c }})                 as {{ c }},
        {%- endfor %}
        max(_loaded_at)                    as _source_loaded_at
    from runs
    group by uscc, {{ attribute_columns | join(', ') }}, run
),

{%- endif %}

{%- if is_incremental() %}

built as (
    -- the versions built before of the enterprises in the new months (not recomputed)
    select * from {{ this }}
    where uscc in (select uscc from registration)
    {%- if not one_new_month %}
        and uscc not in (select uscc from affected)
    {%- endif %}
),

last_built as (
    select uscc, max(version_number) as version_number
    from built
    group by uscc
),

continued as (
    -- an enterprise's last built version that its first new island continues: that island
    -- starts the month after the version ends, with the same attributes
    select built.*
    from built
    inner join islands
        on islands.uscc = built.uscc
        and islands.version_number = 1
        and islands.valid_from = built.valid_to + interval 1 month
        and { {% for c in attribute_columns %}'{{ c }}': islands.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %} }
            is not distinct from
            { {% for c in attribute_columns %}'{{ c }}': built.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %} }
),

versions as (
    -- the new islands numbered after the built versions; a continuing island merges into
    -- the version it continues (its number, first month and months)
    select
        islands.uscc,
        cast(islands.version_number + coalesce(last_built.version_number, 0)
             - (continued.uscc is not null)::integer as integer)          as version_number,
        case when islands.version_number = 1 and continued.uscc is not null
             then continued.valid_from else islands.valid_from end         as valid_from,
        islands.valid_to,
        islands.months_in_version
            + case when islands.version_number = 1 and continued.uscc is not null
                   then continued.months_in_version else 0 end              as months_in_version,
        {%- for c in attribute_columns + carried_columns %}
        islands.{{ c }},
        {%- endfor %}
        case when islands.version_number = 1 and continued.uscc is not null
             then greatest(islands._source_loaded_at, continued._source_loaded_at)
             else islands._source_loaded_at end                             as _source_loaded_at
    from islands
    left join last_built
        on last_built.uscc = islands.uscc
    left join continued
        on continued.uscc = islands.uscc
),

{%- else %}

versions as (
    select * from islands
),

{%- endif %}

final as (
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
    from versions
    {%- if is_incremental() %}
    union all by name
    -- the built versions of these enterprises that no new month continues, kept as they were
    select * from built
    where enterprise_version_key not in (select enterprise_version_key from continued)
    {%- endif %}
)

select * from final
