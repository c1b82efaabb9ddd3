-- One row per enterprise and month in which the enterprise appears in any of the four
-- enterprise extracts (registration, tax, employment, output). Register attributes (park,
-- industry, status) are those of that month's registration snapshot; they are null when the
-- enterprise is not in the register that month. Keyed by month, so it can become an
-- incremental model (delete+insert per period) without changing its shape.
with registration as (
    select * from {{ ref('int_registration_classified') }}
),

tax as (
    select * from {{ ref('stg_raw__tax') }}
),

employment as (
    select * from {{ ref('stg_raw__employment') }}
),

output as (
    select * from {{ ref('stg_raw__output') }}
),

spine as (
    select uscc, period from registration
    union
    select uscc, period from tax
    union
    select uscc, period from employment
    union
    select uscc, period from output
)

select
    ---------- keys
    spine.uscc,
    spine.period,
    cast(year(spine.period) as integer)   as year,
    cast(month(spine.period) as integer)  as month,
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
    output.revenue_ytd_10k
from spine
left join registration
    on registration.uscc = spine.uscc and registration.period = spine.period
left join tax
    on tax.uscc = spine.uscc and tax.period = spine.period
left join employment
    on employment.uscc = spine.uscc and employment.period = spine.period
left join output
    on output.uscc = spine.uscc and output.period = spine.period
