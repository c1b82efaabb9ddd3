{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period',
    on_schema_change='append_new_columns',
) }}
-- The cross-extract checks of each month (see marts.dq_cross_extract, which words them): every
-- check compares extracts of the same month, so a month's findings change only when one of its
-- extracts is loaded again. Incremental by month (macros/incremental_periods.sql).
-- Besides the findings, one row per checked month with check_id null records that the month was
-- checked and from which loads, so that a month without findings is not checked again.
{%- set periods = stale_periods(['registration', 'tax', 'employment', 'output']) %}

with months as (
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

registration as (
    select uscc, period, enterprise_name, park_code, status, _source_file, _source_row, _loaded_at
    from {{ ref('stg_raw__registration') }}
    where {{ only_keys('period', periods) }}
),

reported as (
    select * from {{ ref('int_dq_enterprise_rows') }}
    where {{ only_keys('period', periods) }}
),

month_loads as (
    select period, max(_loaded_at) as source_loaded_at
    from (
        select period, _loaded_at from registration
        union all
        select period, _loaded_at from reported
    )
    group by period
),

---------- tax, employment and output rows of enterprises absent from the month's register
not_registered as (
    select
        case reported.kind
            when 'tax' then 'XE-TAX-NOT-REGISTERED'
            when 'employment' then 'XE-EMP-NOT-REGISTERED'
            else 'XE-OUT-NOT-REGISTERED'
        end                                                        as check_id,
        reported.kind,
        reported.period,
        reported.uscc,
        cast(null as varchar)                                      as enterprise_name,
        cast(null as varchar)                                      as park_code,
        reported.value_zh,
        reported.value_en,
        cast(null as varchar)                                      as detail,
        reported._source_file                                      as source_file,
        reported._source_row                                       as source_row
    from reported
    inner join coverage
        on coverage.period = reported.period and coverage.registration_loaded
    anti join registration
        on registration.uscc = reported.uscc and registration.period = reported.period
),
---------- active in the register, but neither taxed nor insured
active_silent as (
    select
        'XE-ACTIVE-NO-TAX-NO-EMP'                                  as check_id,
        'registration'                                             as kind,
        registration.period,
        registration.uscc,
        registration.enterprise_name,
        registration.park_code,
        cast(null as varchar)                                      as value_zh,
        cast(null as varchar)                                      as value_en,
        '登记状态 ' || registration.status || '，园区 ' || registration.park_code
            || '；当月无纳税、无参保记录'
            || case when has_output.uscc is not null then '，有产值记录' else '' end
            || ' / status ' || registration.status || ', park ' || registration.park_code
            || '; no tax and no employment row this month'
            || case when has_output.uscc is not null then ', an output row' else '' end
                                                                   as detail,
        registration._source_file                                  as source_file,
        registration._source_row                                   as source_row
    from registration
    inner join coverage
        on coverage.period = registration.period
        and coverage.tax_loaded
        and coverage.employment_loaded
    left join reported as has_output
        on has_output.kind = 'output'
        and has_output.uscc = registration.uscc
        and has_output.period = registration.period
    where registration.status in ('存续', '在业')
        and not exists (
            select 1 from reported
            where reported.kind in ('tax', 'employment')
                and reported.uscc = registration.uscc
                and reported.period = registration.period
        )
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
