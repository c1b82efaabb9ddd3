-- Investment-attraction project register, one row per project per monthly snapshot
-- (current revision only). Investment in 亿元.
with source as (
    select * from {{ source('raw', 'projects') }}
),

renamed as (
    select
        ---------- keys
        cast(project_id as varchar)                    as project_id,
        cast(period as date)                           as period,
        cast(year(period) as integer)                  as year,
        cast(month(period) as integer)                 as month,
        ---------- attributes
        cast(project_name as varchar)                  as project_name,
        cast(park_code as varchar)                     as park_code,
        cast(park_name_reported as varchar)            as park_name_reported,
        cast(investor_uscc as varchar)                 as investor_uscc,
        cast(signed_on as date)                        as signed_on,
        cast(status as varchar)                        as status,
        cast(category as varchar)                      as category,
        cast(industry_code as varchar)                 as industry_code,  -- GB/T 4754-2017 class, optional
        ---------- amounts (亿元)
        cast(agreed_investment_100m as decimal(20, 6)) as agreed_investment_100m,
        ---------- lineage
        _source_file,
        _source_sha256,
        _source_row,
        _revision,
        _loaded_at
    from source
)

select * from renamed
