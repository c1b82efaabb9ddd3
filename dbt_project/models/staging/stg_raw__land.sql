-- Land parcels supplied in the parks, one row per parcel per monthly snapshot (current revision
-- only). Area in 亩, price and investment in 万元.
with source as (
    select * from {{ source('raw', 'land') }}
),

renamed as (
    select
        ---------- keys
        cast(parcel_id as varchar)                   as parcel_id,
        cast(period as date)                         as period,
        cast(year(period) as integer)                as year,
        cast(month(period) as integer)               as month,
        ---------- attributes
        cast(park_code as varchar)                   as park_code,
        cast(park_name_reported as varchar)          as park_name_reported,
        cast(land_use as varchar)                    as land_use,
        cast(holder_uscc as varchar)                 as holder_uscc,
        cast(supplied_on as date)                    as supplied_on,
        cast(agreed_start_on as date)                as agreed_start_on,
        cast(actual_start_on as date)                as actual_start_on,
        ---------- amounts (亩, 万元)
        cast(area_mu as decimal(20, 6))              as area_mu,
        cast(land_price_10k as decimal(20, 6))       as land_price_10k,
        cast(fixed_investment_10k as decimal(20, 6)) as fixed_investment_10k,
        ---------- lineage
        _source_file,
        _source_sha256,
        _source_row,
        _revision,
        _loaded_at
    from source
)

select * from renamed
