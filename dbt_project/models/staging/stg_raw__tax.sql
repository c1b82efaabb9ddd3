-- Taxes paid, one row per enterprise per month (current revision only). Amounts in 元.
with source as (
    select * from {{ source('raw', 'tax') }}
),

renamed as (
    select
        ---------- keys
        cast(uscc as varchar)                              as uscc,
        cast(period as date)                               as period,
        cast(year(period) as integer)                      as year,
        cast(month(period) as integer)                     as month,
        ---------- amounts (元)
        cast(vat_yuan as decimal(18, 2))                   as vat_yuan,
        cast(corporate_income_tax_yuan as decimal(18, 2))  as corporate_income_tax_yuan,
        cast(other_taxes_yuan as decimal(18, 2))           as other_taxes_yuan,
        cast(total_tax_yuan as decimal(18, 2))             as total_tax_yuan,
        ---------- lineage
        _source_file,
        _source_sha256,
        _source_row,
        _revision,
        _loaded_at
    from source
)

select * from renamed
