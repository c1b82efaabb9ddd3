-- Every code of the park_positioning seed covers at least one GB/T 4754-2017 class at its
-- level (a typo or a code of another edition of the standard would silently position nothing).
-- Returns the codes that cover none.
select positioning.park_code, positioning.industry_zh, positioning.code_level, positioning.code
from {{ ref('park_positioning') }} as positioning
where not exists (
    select 1
    from {{ ref('industry_classes') }} as classes
    where case positioning.code_level
        when 'section' then classes.section_code = positioning.code
        when 'division' then classes.division_code = positioning.code
        when 'group' then classes.group_code = positioning.code
        when 'class' then classes.class_code = positioning.code
    end
)
