-- Innovation and entrepreneurship carriers (两创载体), one row per carrier per monthly
-- snapshot (current revision only).
with source as (
    select * from {{ source('raw', 'carriers') }}
),

renamed as (
    select
        ---------- keys
        cast(carrier_id as varchar)          as carrier_id,
        cast(period as date)                 as period,
        cast(year(period) as integer)        as year,
        cast(month(period) as integer)       as month,
        ---------- attributes
        cast(carrier_name as varchar)        as carrier_name,
        cast(park_code as varchar)           as park_code,
        cast(park_name_reported as varchar)  as park_name_reported,
        cast(carrier_type as varchar)        as carrier_type,
        cast(recognized_on as date)          as recognized_on,
        ---------- lineage
        _source_file,
        _source_sha256,
        _source_row,
        _revision,
        _loaded_at
    from source
)

select * from renamed
