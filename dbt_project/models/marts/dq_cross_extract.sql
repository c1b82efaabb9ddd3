{{ config(
    materialized='incremental',
    incremental_strategy='replace_stale_findings',
    on_schema_change='append_new_columns',
    post_hook=["{{ record_loads_taken_in(['registration']) }}"],
) }}
-- Cross-extract findings, one row per finding. The four enterprise extracts of a month should
-- tell one story: whoever pays tax, insures staff or reports output is in that month's register,
-- and an enterprise the register calls active (存续, 在业) shows up in the tax or the employment
-- extract. A check runs only for months in which every extract it compares is loaded; a month in
-- which some enterprise extracts are loaded and others are not gets an XE-EXTRACT-MISSING
-- finding per missing extract instead, so a skipped check is never silent.
-- The checks run month by month, incrementally, in intermediate.int_dq_cross_findings; this
-- table words them, with the enterprise's register history (which may change with any month).
-- Incremental: a run rewrites the findings of the months checked again and the wording of the
-- enterprises whose register history changed (macros/dq_cross_extract_stale.sql, which also
-- holds the incremental strategy that deletes those rows before inserting their new version).
--   XE-TAX-NOT-REGISTERED, XE-EMP-NOT-REGISTERED, XE-OUT-NOT-REGISTERED: a tax, employment or
--     output row of an enterprise absent from that month's register. The detail says whether
--     the enterprise's register row was set aside that month (meta.rejects), when it was last
--     (or will first be) in the register, or that it never was.
--   XE-ACTIVE-NO-TAX-NO-EMP: a register row with status 存续 or 在业 and neither a tax nor an
--     employment row that month.
--   XE-EXTRACT-MISSING: the month's extract of `kind` is not loaded (no file, or only a file
--     rejected as a whole) while another enterprise extract of the month is.
{% set checks = {
    'XE-TAX-NOT-REGISTERED': ('纳税记录的企业不在当月企业登记中', "tax row of an enterprise absent from that month's register"),
    'XE-EMP-NOT-REGISTERED': ('参保记录的企业不在当月企业登记中', "employment row of an enterprise absent from that month's register"),
    'XE-OUT-NOT-REGISTERED': ('产值记录的企业不在当月企业登记中', "output row of an enterprise absent from that month's register"),
    'XE-ACTIVE-NO-TAX-NO-EMP': ('登记状态为存续或在业的企业当月既无纳税记录也无参保记录', 'enterprise registered as active (存续 or 在业) with neither a tax nor an employment row that month'),
    'XE-EXTRACT-MISSING': ('其他企业类提取已装载而该提取当月未装载，依赖它的跨表检查未做', 'extract not loaded for a month in which other enterprise extracts are; the cross-extract checks that need it were skipped'),
} %}

with findings as not materialized (
    select * from {{ ref('int_dq_cross_findings') }}
    where check_id is not null  -- null: the row that marks a month as checked
        and {{ dq_cross_extract_stale() }}
),

absent as (
    select check_id, kind, period, uscc, value_zh, value_en,
           source_file as _source_file, source_row as _source_row, _source_loaded_at
    from findings
    where check_id in ('XE-TAX-NOT-REGISTERED', 'XE-EMP-NOT-REGISTERED', 'XE-OUT-NOT-REGISTERED')
),

registration as (
    -- the register history of the enterprises found absent somewhere, to word their findings
    select uscc, period, enterprise_name, park_code, status, _loaded_at
    from {{ ref('stg_raw__registration') }}
    where uscc in (select uscc from absent)
),

history_loaded as (
    -- when each such history last changed (a register row loaded, or removed by a revision):
    -- the wording's lineage, newer than the finding's own month when a later register names it
    select uscc, max(loaded_at) as loaded_at
    from (
        select uscc, _loaded_at as loaded_at from registration
        union all
        select record_key, replaced_at from {{ source('meta', 'revision_changes') }}
        where kind = 'registration' and change = 'removed'
            and record_key in (select uscc from absent)
    )
    group by uscc
),

register_rows_set_aside as (
    select
        record_key as uscc,
        period,
        string_agg(distinct rule_id, ', ' order by rule_id) as rule_ids
    from {{ source('meta', 'rejects') }}
    where kind = 'registration' and record_key is not null
    group by record_key, period
),

absent_before as (
    select absent.kind, absent.uscc, absent.period,
           earlier.period as earlier_period, earlier.status as earlier_status,
           earlier.enterprise_name, earlier.park_code
    from absent
    asof left join registration as earlier
        on earlier.uscc = absent.uscc and earlier.period < absent.period
),

absent_after as (
    select absent.kind, absent.uscc, absent.period,
           later.period as later_period, later.enterprise_name, later.park_code
    from absent
    asof left join registration as later
        on later.uscc = absent.uscc and later.period > absent.period
),

not_registered as (
    select
        absent.check_id,
        absent.kind,
        absent.period,
        absent.uscc,
        coalesce(absent_before.enterprise_name, absent_after.enterprise_name) as enterprise_name,
        coalesce(absent_before.park_code, absent_after.park_code)  as park_code,
        absent.value_zh || '；' || case
            when set_aside.rule_ids is not null
                then '当月登记行被剔除（' || set_aside.rule_ids || '）'
            when absent_before.earlier_period is not null
                then '最近一次登记于 ' || strftime(absent_before.earlier_period, '%Y-%m')
                    || '（' || absent_before.earlier_status || '）'
            when absent_after.later_period is not null
                then '此前未登记，首次登记于 ' || strftime(absent_after.later_period, '%Y-%m')
            else '从未出现在已装载的企业登记中'
        end || ' / ' || absent.value_en || '; ' || case
            when set_aside.rule_ids is not null
                then 'its register row this month was set aside (' || set_aside.rule_ids || ')'
            when absent_before.earlier_period is not null
                then 'last in the register ' || strftime(absent_before.earlier_period, '%Y-%m')
                    || ' (' || absent_before.earlier_status || ')'
            when absent_after.later_period is not null
                then 'first in the register later, ' || strftime(absent_after.later_period, '%Y-%m')
            else 'never in any loaded register'
        end                                                        as detail,
        absent._source_file                                        as source_file,
        absent._source_row                                         as source_row,
        greatest(absent._source_loaded_at, history_loaded.loaded_at) as _source_loaded_at
    from absent
    left join absent_before
        on absent_before.kind = absent.kind
        and absent_before.uscc = absent.uscc
        and absent_before.period = absent.period
    left join absent_after
        on absent_after.kind = absent.kind
        and absent_after.uscc = absent.uscc
        and absent_after.period = absent.period
    left join register_rows_set_aside as set_aside
        on set_aside.uscc = absent.uscc and set_aside.period = absent.period
    left join history_loaded
        on history_loaded.uscc = absent.uscc
),

other_findings as (
    select check_id, kind, period, uscc, enterprise_name, park_code, detail, source_file, source_row,
           _source_loaded_at
    from findings
    where check_id not in ('XE-TAX-NOT-REGISTERED', 'XE-EMP-NOT-REGISTERED', 'XE-OUT-NOT-REGISTERED')
),

worded as (
    select * from not_registered
    union all
    select * from other_findings
),

check_texts (check_id, check_zh, check_en) as (
    values
    {%- for check_id, texts in checks.items() %}
        ('{{ check_id }}', '{{ texts[0] }}', '{{ texts[1] | replace("'", "''") }}')
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
)

select
    ---------- the check
    findings.check_id,
    check_texts.check_zh,
    check_texts.check_en,
    ---------- where
    findings.kind,
    findings.period,
    cast(year(findings.period) as integer)   as year,
    cast(month(findings.period) as integer)  as month,
    findings.uscc,
    findings.enterprise_name,
    findings.park_code,
    ---------- what
    findings.detail,
    findings.source_file,
    cast(findings.source_row as integer)     as source_row,
    ---------- lineage
    findings._source_loaded_at
from worded as findings
inner join check_texts
    on check_texts.check_id = findings.check_id
