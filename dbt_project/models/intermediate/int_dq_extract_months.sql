-- One row per extract kind and calendar month from the kind's first to its last loaded month,
-- gaps included: whether the month's extract is loaded, which file holds it, and how many rows
-- it had. A month counts as loaded when meta.loads has its current `loaded` line or the raw
-- table has rows for it (rows inserted by other means than the loader count too).
-- The data-quality marts use it to tell a missing extract from an enterprise missing in one.
-- Counts come from the raw tables (the loader replaces a month whole, so raw holds its current
-- revision only, as staging does; a grouped count of raw is a column scan). loaded_at: the
-- month's latest load, from meta.loads or raw (dq_month_movement is rebuilt by it).
with load_lines as (
    select
        kind,
        period,
        file_name,
        revision,
        rows_read,
        rows_loaded,
        rows_rejected,
        loaded_at
    from {{ source('meta', 'loads') }}
    where status = 'loaded' and kind is not null and period is not null
        -- the monthly extracts and registers: the yearly indicators have no month-on-month
        -- movement and no gap between months
        and kind <> 'indicators'
    qualify row_number() over (partition by kind, period order by loaded_at desc, received_at desc) = 1
),

raw_months as (
    {%- for kind in ['registration', 'tax', 'employment', 'output', 'projects', 'carriers', 'land'] %}
    select '{{ kind }}' as kind, period, count(*) as rows_in_warehouse, max(_loaded_at) as loaded_at
    from {{ source('raw', kind) }}
    group by period
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

loaded as (
    select kind, period from load_lines
    union
    select kind, period from raw_months
),

bounds as (
    select kind, min(period) as first_period, max(period) as last_period
    from loaded
    group by kind
),

spine as (
    select
        kind,
        cast(unnest(generate_series(
            cast(first_period as timestamp), cast(last_period as timestamp), interval 1 month
        )) as date) as period
    from bounds
)

select
    ---------- keys
    spine.kind,
    spine.period,
    cast(year(spine.period) as integer)              as year,
    cast(month(spine.period) as integer)             as month,
    ---------- the month's extract
    loaded.period is not null                        as is_loaded,
    load_lines.file_name,
    load_lines.revision,
    load_lines.rows_read,
    load_lines.rows_loaded,
    load_lines.rows_rejected,
    coalesce(raw_months.rows_in_warehouse, 0)        as rows_in_warehouse,
    greatest(load_lines.loaded_at, raw_months.loaded_at) as loaded_at
from spine
left join loaded
    on loaded.kind = spine.kind and loaded.period = spine.period
left join load_lines
    on load_lines.kind = spine.kind and load_lines.period = spine.period
left join raw_months
    on raw_months.kind = spine.kind and raw_months.period = spine.period
