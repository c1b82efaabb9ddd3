-- The rows of the three reporting extracts (tax, employment, output), one per enterprise and
-- month, with the value a statistician looks at first, as short text in Chinese and English,
-- and their lineage. For the cross-extract checks (marts.dq_cross_extract).
with tax as (
    select
        'tax'                                                   as kind,
        uscc,
        period,
        '税收合计 ' || coalesce(cast(total_tax_yuan as varchar), '（空）') || ' 元' as value_zh,
        'total tax ' || coalesce(cast(total_tax_yuan as varchar), '(empty)') || ' yuan' as value_en,
        _source_file,
        _source_row,
        _loaded_at
    from {{ ref('stg_raw__tax') }}
),

employment as (
    select
        'employment',
        uscc,
        period,
        '参保人数 ' || coalesce(cast(insured_headcount as varchar), '（空）') || ' 人',
        'insured headcount ' || coalesce(cast(insured_headcount as varchar), '(empty)'),
        _source_file,
        _source_row,
        _loaded_at
    from {{ ref('stg_raw__employment') }}
),

output as (
    select
        'output',
        uscc,
        period,
        '营业收入_本月 ' || coalesce(cast(cast(revenue_month_10k as double) as varchar), '（空）') || ' 万元',
        'revenue of the month ' || coalesce(cast(cast(revenue_month_10k as double) as varchar), '(empty)')
            || ' (10k yuan)',
        _source_file,
        _source_row,
        _loaded_at
    from {{ ref('stg_raw__output') }}
)

select * from tax
union all
select * from employment
union all
select * from output
