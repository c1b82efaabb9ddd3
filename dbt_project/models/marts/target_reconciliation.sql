{{ config(tags=['reference_data']) }}  -- from the seeds alone (dbt_project.yml)
-- The plan's city goals (三(一)) beside the sum of the park goals (三(二)) for every city
-- metric the plan also breaks down by park (metrics with CITY and park rows in plan_targets).
-- Which park rows a city target is compared with (docs/plan-inconsistencies.md §1):
--
--   window_years  the city target covers several years (window 2018-2020, the project counts):
--                 the park targets of every year of the window are summed;
--   any_year      两创载体 / 众创空间 / 创业创新基地 are built over the plan period: the park
--                 targets of any year are summed (parks 1–7 state them in 2018, parks 8–12 in 2020);
--   same_year     every other metric (year-end stocks, enterprise-year bands, employment): the
--                 park targets of the city target's year (2020).
--
-- difference = parks − city; is_consistent when it is zero. Targets are minimums, so a
-- negative difference means the parks together promise less than the city asks for.
-- Scopes: the targets summed may count different enterprises (plan_targets.enterprise_scope:
-- 经开区 工业企业, 柳梧新区 实体企业, …); city_enterprise_scope_label and
-- parks_enterprise_scope_labels show them, and the note says so when they differ: the sum then
-- compares the plan's numbers only.
with targets as not materialized (
    select * from {{ ref('plan_targets') }}
),

catalog as (
    select * from {{ ref('metric_catalog') }}
),

scopes as not materialized (
    select enterprise_scope, label_zh, display_order from {{ ref('enterprise_scopes') }}
),

city as (
    select
        metric,
        year                                                    as city_year,
        "window"                                                as city_window,
        cast(split_part("window", '-', 1) as integer)           as window_start_year,
        cast(coalesce(nullif(split_part("window", '-', 2), ''),
                      split_part("window", '-', 1)) as integer) as window_end_year,
        target                                                  as city_target,
        enterprise_scope                                        as city_enterprise_scope,
        unit,
        case
            when "window" like '%-%' then 'window_years'
            when metric in ('carriers', 'maker_spaces', 'innovation_bases') then 'any_year'
            else 'same_year'
        end                                                     as comparison_basis
    from targets
    where park_code = 'CITY'
),

park_sums as (
    select
        city.metric,
        sum(parks.target)                                       as parks_target_sum,
        count(distinct parks.park_code)                         as parks_with_target,
        string_agg(distinct cast(parks.year as varchar), ', ' order by cast(parks.year as varchar))
                                                                as parks_years,
        -- the scopes of the park targets summed (labels)
        string_agg(distinct scopes.label_zh, '、' order by scopes.label_zh)
                                                                as parks_enterprise_scopes,
        bool_and(parks.enterprise_scope is not distinct from city.city_enterprise_scope)
                                                                as scopes_agree
    from city
    inner join targets as parks
        on parks.metric = city.metric
        and parks.park_code <> 'CITY'
        and case city.comparison_basis
            when 'window_years' then parks.year between city.window_start_year and city.window_end_year
            when 'same_year' then parks.year = city.city_year
            when 'any_year' then true
        end
    left join scopes
        on scopes.enterprise_scope = parks.enterprise_scope
    group by city.metric
),

compared as (
    select
        city.metric,
        catalog.metric_label_zh                                 as metric_label,
        catalog.metric_label_en,
        city.city_window                                        as city_year_or_window,
        city.comparison_basis,
        park_sums.parks_years,
        city.unit,
        cast(city.city_target as decimal(28, 6))                as city_target,
        cast(park_sums.parks_target_sum as decimal(28, 6))      as parks_target_sum,
        cast(park_sums.parks_with_target as integer)            as parks_with_target,
        cast(park_sums.parks_target_sum - city.city_target as decimal(28, 6))
                                                                as difference,
        city_scopes.label_zh                                    as city_enterprise_scope_label,
        park_sums.parks_enterprise_scopes                       as parks_enterprise_scope_labels,
        park_sums.scopes_agree
    from city
    inner join park_sums
        on park_sums.metric = city.metric
    left join catalog
        on catalog.metric = city.metric
    left join scopes as city_scopes
        on city_scopes.enterprise_scope = city.city_enterprise_scope
)

select
    metric,
    metric_label,
    metric_label_en,
    city_year_or_window,
    comparison_basis,
    parks_years,
    unit,
    city_target,
    parks_target_sum,
    parks_with_target,
    difference,
    difference = 0                                              as is_consistent,
    city_enterprise_scope_label,
    parks_enterprise_scope_labels,
    case comparison_basis
        when 'window_years' then '全市目标为' || city_year_or_window || '年三年合计,与各园区'
            || replace(parks_years, ', ', '、') || '年逐年目标之和比较。'
        when 'any_year' then '全市目标为规划期内累计建设数(记在' || city_year_or_window
            || '年),与各园区全部年份目标之和比较(园区1–7记在2018年,园区8–12记在2020年)。'
        else '全市目标为' || city_year_or_window || '年目标,与各园区' || replace(parks_years, ', ', '、')
            || '年目标之和比较。'
    end
    || case
        when difference = 0 then '两者一致。'
        when difference < 0 then '各园区目标之和比全市目标少' || format('{:g}', cast(-difference as double))
            || unit || ',规划内部不一致。'
        else '各园区目标之和比全市目标多' || format('{:g}', cast(difference as double))
            || unit || ',规划内部不一致。'
    end
    || case metric
        when 'tech_leaders' then '按年末存量口径相加;若按逐年新增相加(三年合计)则远高于全市目标,两种口径均与全市目标不符。'
        when 'high_tech' then '按年末存量口径相加;若按逐年新增相加(三年合计)则远高于全市目标,两种口径均与全市目标不符。'
        when 'tech_smes' then '按年末存量口径相加;若按逐年新增相加(三年合计)则远高于全市目标,两种口径均与全市目标不符。'
        when 'tax_10m' then '全市目标低于各园区承诺之和(超1亿元、超5000万元两档一致)。'
        when 'carriers' then '全市57家=众创空间35家+创业创新基地22家;各园区分项合计为34+21=55家,慈觉林文创园只提出完成2家众创空间建设、未列两创载体总数,故园区两创载体合计仅53家。'
        when 'maker_spaces' then '全市57家两创载体中众创空间35家,各园区合计34家。'
        when 'innovation_bases' then '全市57家两创载体中创业创新基地22家,各园区合计21家(慈觉林文创园未设此目标)。'
        when 'employment' then '仅园区1–7设有安置就业目标(20000+20000+5000+3000+2500+2500+2000),县(区)工业集中区未设;全市目标为下限,不构成矛盾。'
        when 'listed' then '仅园区1–7设有上市或挂牌目标。'
        else ''
    end
    || case when not scopes_agree then '全市目标计' || city_enterprise_scope_label || ',各园区目标分别计'
            || parks_enterprise_scope_labels || '(按条文措辞),企业范围不全相同,相加仅核对规划数字。'
        else ''
    end                                                         as note
from compared
