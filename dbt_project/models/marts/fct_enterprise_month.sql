{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period',
    on_schema_change='append_new_columns',
    post_hook=["{{ build_in_batches(months_loaded(['registration', 'tax', 'employment', 'output'])) }}"],
) }}
-- One row per enterprise and month in which the enterprise appears in any of the four
-- enterprise extracts (registration, tax, employment, output). Register attributes (park,
-- industry, status) are those of that month's registration snapshot; they are null when the
-- enterprise is not in the register that month.
-- Incremental by month (macros/incremental_periods.sql): a run rebuilds the months whose raw
-- rows were loaded since the last build, and no other. A full build creates the table empty
-- and runs the SELECT below once per batch of months (the post-hook, build_in_batches; a
-- batch holds at most var('full_build_batch_rows') raw rows): each batch's joins fit in
-- memory, where one join over every month (or a union of months, which DuckDB plans at once)
-- spills to disk under the memory cap (docs/performance.md).
{%- set batch = only_keys('period', stale_periods(['registration', 'tax', 'employment', 'output']))
                if is_incremental() else full_build_batch('period') %}

with registration as not materialized (
    select * from {{ ref('int_registration_classified') }} where {{ batch }}
),

tax as not materialized (
    select * from {{ ref('stg_raw__tax') }} where {{ batch }}
),

employment as not materialized (
    select * from {{ ref('stg_raw__employment') }} where {{ batch }}
),

output as not materialized (
    select * from {{ ref('stg_raw__output') }} where {{ batch }}
),

month_loads as (
    -- when the month's newest file among the four was loaded: what the next run compares with
    select period, max(_loaded_at) as source_loaded_at
    from (
        select period, _loaded_at from registration
        union all
        select period, _loaded_at from tax
        union all
        select period, _loaded_at from employment
        union all
        select period, _loaded_at from output
    )
    group by period
)

select
    ---------- keys (each extract has one row per enterprise and month: the loader's rule)
    uscc,
    period,
    cast(year(period) as integer)         as year,
    cast(month(period) as integer)        as month,
    ---------- which extracts reported the enterprise this month
    registration.uscc is not null         as is_registered,
    tax.uscc is not null                  as has_tax,
    employment.uscc is not null           as has_employment,
    output.uscc is not null               as has_output,
    ---------- register attributes of the month
    registration.enterprise_name,
    registration.park_code,
    registration.industry_code,
    registration.industry_division_code,
    registration.is_industrial,
    registration.status,
    ---------- tax (元)
    tax.vat_yuan,
    tax.corporate_income_tax_yuan,
    tax.other_taxes_yuan,
    tax.total_tax_yuan,
    ---------- employment
    employment.insured_headcount,
    ---------- output and revenue (万元)
    output.gross_output_month_10k,
    output.gross_output_ytd_10k,
    output.value_added_month_10k,
    output.revenue_month_10k,
    output.revenue_ytd_10k,
    ---------- lineage
    month_loads.source_loaded_at          as _source_loaded_at,
    current_timestamp::timestamp          as _built_at
-- full joins on the key, not a union of the keys then left joins: the same rows, faster
-- (docs/performance.md)
from registration
full join tax using (uscc, period)
full join employment using (uscc, period)
full join output using (uscc, period)
inner join month_loads using (period)

