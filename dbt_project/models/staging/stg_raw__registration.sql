-- Enterprise register, one row per enterprise per monthly snapshot (current revision only).
with source as (
    select * from {{ source('raw', 'registration') }}
),

renamed as (
    select
        ---------- keys
        cast(uscc as varchar)                          as uscc,
        cast(period as date)                           as period,
        cast(year(period) as integer)                  as year,
        cast(month(period) as integer)                 as month,
        ---------- attributes
        cast(enterprise_name as varchar)               as enterprise_name,
        cast(park_code as varchar)                     as park_code,
        cast(park_name_reported as varchar)            as park_name_reported,
        cast(industry_code as varchar)                 as industry_code,
        cast(left(industry_code, 2) as varchar)        as industry_division_code,
        cast(status as varchar)                        as status,
        cast(established_on as date)                   as established_on,
        cast(registered_capital_10k as decimal(20, 6)) as registered_capital_10k,
        ---------- flags
        cast(is_high_tech as boolean)                  as is_high_tech,
        cast(is_tech_sme as boolean)                   as is_tech_sme,
        cast(is_tech_leader as boolean)                as is_tech_leader,
        cast(listing_board as varchar)                 as listing_board,
        ---------- lineage
        _source_file,
        _source_sha256,
        _source_row,
        _revision,
        _loaded_at
    from source
)

select * from renamed
