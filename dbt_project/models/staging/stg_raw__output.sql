-- Output and revenue (statistical direct reporting), one row per enterprise per month
-- (current revision only). Amounts in 万元; month value and year-to-date side by side.
with source as (
    select * from {{ source('raw', 'output') }}
),

renamed as (
    select
        ---------- keys
        cast(uscc as varchar)                          as uscc,
        cast(period as date)                           as period,
        cast(year(period) as integer)                  as year,
        cast(month(period) as integer)                 as month,
        ---------- amounts (万元)
        cast(gross_output_month_10k as decimal(20, 6)) as gross_output_month_10k,
        cast(gross_output_ytd_10k as decimal(20, 6))   as gross_output_ytd_10k,
        cast(value_added_month_10k as decimal(20, 6))  as value_added_month_10k,
        cast(revenue_month_10k as decimal(20, 6))      as revenue_month_10k,
        cast(revenue_ytd_10k as decimal(20, 6))        as revenue_ytd_10k,
        ---------- lineage
        _source_file,
        _source_sha256,
        _source_row,
        _revision,
        _loaded_at
    from source
)

select * from renamed
