{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period',
    on_schema_change='append_new_columns',
) }}
-- The cross-extract checks of each month (see marts.dq_cross_extract, which words them): every
-- check compares extracts of the same month, so a month's findings change only when one of its
-- extracts is loaded again. Incremental by month (macros/incremental_periods.sql). The checks
-- read the monthly fact (which extracts reported each enterprise), not the extracts themselves;
-- the file and row of a finding are looked up for the findings only.
-- Besides the findings, one row per checked month with check_id null records that the month was
-- checked and from which loads, so that a month without findings is not checked again.
{%- set periods = stale_periods(['registration', 'tax', 'employment', 'output']) %}

with months as not materialized (
    select kind, period, is_loaded
    from {{ ref('int_dq_extract_months') }}
    where kind in ('registration', 'tax', 'employment', 'output')
        and {{ only_keys('period', periods) }}
),

coverage as (
    select
        period,
        coalesce(bool_or(kind = 'registration' and is_loaded), false) as registration_loaded,
        coalesce(bool_or(kind = 'tax' and is_loaded), false)          as tax_loaded,
        coalesce(bool_or(kind = 'employment' and is_loaded), false)   as employment_loaded,
        coalesce(bool_or(kind = 'output' and is_loaded), false)       as output_loaded
    from months
    group by period
    having bool_or(is_loaded)
),

enterprise_months as not materialized (
    -- which extracts reported each enterprise that month: the monthly fact has it already
    select *
    from {{ ref('fct_enterprise_month') }}
    where {{ only_keys('period', periods) }}
),

month_loads as (
    select period, max(_source_loaded_at) as source_loaded_at
    from enterprise_months
    group by period
),

---------- tax, employment and output rows of enterprises absent from the month's register
absent as (
    select
        extracts.kind,
        months.period,
        months.uscc,
        case extracts.kind
            when 'tax' then '税收合计 ' || coalesce(cast(months.total_tax_yuan as varchar), '（空）') || ' 元'
            when 'employment' then '参保人数 ' || coalesce(cast(months.insured_headcount as varchar), '（空）') || ' 人'
            else '营业收入_本月 ' || coalesce(cast(cast(months.revenue_month_10k as double) as varchar), '（空）') || ' 万元'
        end as value_zh,
        case extracts.kind
            when 'tax' then 'total tax ' || coalesce(cast(months.total_tax_yuan as varchar), '(empty)') || ' yuan'
            when 'employment' then 'insured headcount ' || coalesce(cast(months.insured_headcount as varchar), '(empty)')
            else 'revenue of the month ' || coalesce(cast(cast(months.revenue_month_10k as double) as varchar), '(empty)') || ' (10k yuan)'
        end as value_en
    from enterprise_months as months
    inner join coverage
        on coverage.period = months.period and coverage.registration_loaded
    cross join (values ('tax'), ('employment'), ('output')) as extracts (kind)
    where not months.is_registered
        and case extracts.kind
            when 'tax' then months.has_tax
            when 'employment' then months.has_employment
            else months.has_output
        end
),

absent_rows as (
    -- the file and row of each absent enterprise's row (few): looked up in its extract
    {%- for kind in ['tax', 'employment', 'output'] %}
    select '{{ kind }}' as kind, uscc, period, _source_file, _source_row
    from {{ ref('stg_raw__' ~ kind) }}
    where {{ only_keys('period', periods) }}
        and uscc in (select uscc from absent where kind = '{{ kind }}')
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

not_registered as (
    select
        case absent.kind
            when 'tax' then 'XE-TAX-NOT-REGISTERED'
            when 'employment' then 'XE-EMP-NOT-REGISTERED'
            else 'XE-OUT-NOT-REGISTERED'
        end                                                        as check_id,
        absent.kind,
        absent.period,
        absent.uscc,
        cast(null as varchar)                                      as enterprise_name,
        cast(null as varchar)                                      as park_code,
        absent.value_zh,
        absent.value_en,
        cast(null as varchar)                                      as detail,
        absent_rows._source_file                                   as source_file,
        absent_rows._source_row                                    as source_row
    from absent
    inner join absent_rows
        on absent_rows.kind = absent.kind
        and absent_rows.uscc = absent.uscc
        and absent_rows.period = absent.period
),

---------- active in the register, but neither taxed nor insured
silent as (
    select months.*
    from enterprise_months as months
    inner join coverage
        on coverage.period = months.period
        and coverage.tax_loaded
        and coverage.employment_loaded
    where months.is_registered
        and months.status in ('存续', '在业')
        and not months.has_tax
        and not months.has_employment
),

silent_rows as (
    select uscc, period, _source_file, _source_row
    from {{ ref('stg_raw__registration') }}
    where {{ only_keys('period', periods) }}
        and uscc in (select uscc from silent)
),

active_silent as (
    select
        'XE-ACTIVE-NO-TAX-NO-EMP'                                  as check_id,
        'registration'                                             as kind,
        silent.period,
        silent.uscc,
        silent.enterprise_name,
        silent.park_code,
        cast(null as varchar)                                      as value_zh,
        cast(null as varchar)                                      as value_en,
        '登记状态 ' || silent.status || '，园区 ' || silent.park_code
            || '；当月无纳税、无参保记录'
            || case when silent.has_output then '，有产值记录' else '' end
            || ' / status ' || silent.status || ', park ' || silent.park_code
            || '; no tax and no employment row this month'
            || case when silent.has_output then ', an output row' else '' end
                                                                   as detail,
        silent_rows._source_file                                   as source_file,
        silent_rows._source_row                                    as source_row
    from silent
    inner join silent_rows
        on silent_rows.uscc = silent.uscc and silent_rows.period = silent.period
),

---------- an enterprise extract missing in a month where the others are loaded
missing_extract as (
    select
        'XE-EXTRACT-MISSING'                                       as check_id,
        missing.kind,
        missing.period,
        cast(null as varchar)                                      as uscc,
        cast(null as varchar)                                      as enterprise_name,
        cast(null as varchar)                                      as park_code,
        cast(null as varchar)                                      as value_zh,
        cast(null as varchar)                                      as value_en,
        '当月未装载 ' || missing.kind || '；已装载：' || present.kinds
            || ' / ' || missing.kind || ' not loaded this month; loaded: ' || present.kinds
                                                                   as detail,
        cast(null as varchar)                                      as source_file,
        cast(null as integer)                                      as source_row
    from (
        select kinds.kind, coverage.period
        from coverage
        cross join (values ('registration'), ('tax'), ('employment'), ('output')) as kinds (kind)
        where not case kinds.kind
            when 'registration' then coverage.registration_loaded
            when 'tax' then coverage.tax_loaded
            when 'employment' then coverage.employment_loaded
            else coverage.output_loaded
        end
    ) as missing
    inner join (
        select period, string_agg(kind, ', ' order by kind) as kinds
        from months
        where is_loaded
        group by period
    ) as present
        on present.period = missing.period
),

checked as (
    select
        cast(null as varchar) as check_id, cast(null as varchar) as kind, period,
        cast(null as varchar) as uscc, cast(null as varchar) as enterprise_name,
        cast(null as varchar) as park_code, cast(null as varchar) as value_zh,
        cast(null as varchar) as value_en, cast(null as varchar) as detail,
        cast(null as varchar) as source_file, cast(null as integer) as source_row
    from coverage
),

findings as (
    select * from not_registered
    union all
    select * from active_silent
    union all
    select * from missing_extract
    union all
    select * from checked
)

select
    findings.*,
    month_loads.source_loaded_at as _source_loaded_at
from findings
left join month_loads
    on month_loads.period = findings.period
