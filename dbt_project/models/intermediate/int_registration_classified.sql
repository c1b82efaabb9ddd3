-- The monthly register with the GB/T 4754 classification of each enterprise's industry:
-- section, division and whether it is industrial (sections B-D, divisions 06-46).
-- A view: the monthly fact reads only the months it rebuilds through it.
with registration as (
    select * from {{ ref('stg_raw__registration') }}
),

divisions as (
    select * from {{ ref('industry_divisions') }}
),

classified as (
    select
        ---------- keys
        registration.uscc,
        registration.period,
        registration.year,
        registration.month,
        ---------- attributes
        registration.enterprise_name,
        registration.park_code,
        registration.industry_code,
        registration.industry_division_code,
        divisions.section_code                         as industry_section_code,
        divisions.section_name                         as industry_section_name,
        divisions.division_name                        as industry_division_name,
        divisions.is_industrial,
        registration.status,
        registration.established_on,
        registration.registered_capital_10k,
        registration.is_high_tech,
        registration.is_tech_sme,
        registration.is_tech_leader,
        registration.listing_board,
        ---------- lineage
        registration._source_file,
        registration._source_row,
        registration._revision,
        registration._loaded_at
    from registration
    left join divisions
        on divisions.division_code = registration.industry_division_code
)

select * from classified
