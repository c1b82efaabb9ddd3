-- The industrial scope of the plan's targets (工业企业) takes in the same GB/T 4754 sections as
-- the is_industrial flag the output and above-scale rules use (B–D): one definition of 工业.
-- Returns the sections in one and not the other.
with flagged as (
    select distinct section_code from {{ ref('industry_divisions') }} where is_industrial
),

scoped as (
    select section_code from {{ ref('enterprise_scope_sections') }}
    where enterprise_scope = 'industrial'
)

(select section_code, 'is_industrial only' as found_in from flagged
 except select section_code, 'is_industrial only' from scoped)
union all
(select section_code, 'industrial scope only' from scoped
 except select section_code, 'industrial scope only' from flagged)
