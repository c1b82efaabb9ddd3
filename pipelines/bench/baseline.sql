-- The bare-DuckDB baseline of the benchmark: the pipeline's marts of the plan's figures computed
-- straight from the landing folder's CSV files with hand-written SQL, no validation, no lineage,
-- no dbt, no Dagster. It is what the pipeline's work costs at the least, and an independent
-- second computation of the counts the analysts read (pipelines/bench/run.py compares the
-- park_year_summary counts of the two).
--
-- The marts, by the same rules as the dbt models (dbt_project/models/marts/):
--   fct_enterprise_month   the four extracts joined per enterprise and month
--   dim_enterprise         the versions of each enterprise's register attributes (gaps and islands)
--   fct_enterprise_year    the park and industry of the last registered month of the year; annual
--                          output and revenue = December's year-to-date, else the sum of the months;
--                          tax = sum; staff = mean headcount of the months reported; tiers at or
--                          above the tier_thresholds seed
--   park_tier_months       each month's tier counts on each enterprise's year so far
--   park_year_summary      the counts and totals per park and year
-- Left out: the data-quality marts (dq_*: validation, which the baseline does not do) and the
-- small marts of the plan's reference data (dim_park, target_*, milestones: about 15 s of the
-- pipeline's whole build at a million enterprises), which only makes the baseline cheaper.
-- It trusts its input: clean UTF-8 CSV (the generator with --mess 0), one row per enterprise and
-- month, the highest revision wins.
--
-- Run by the DuckDB command line with two variables set: landing (folder) and seeds (folder).

create or replace macro landing_files(kind) as table
    select
        *,
        cast(strptime(regexp_extract(filename, '_(\d{6})(_v\d+)?\.csv$', 1), '%Y%m') as date) as period,
        coalesce(cast(nullif(regexp_extract(filename, '_v(\d+)\.csv$', 1), '') as integer), 1) as revision
    from read_csv(getvariable('landing') || '/' || kind || '_*.csv', filename = true, header = true,
                  all_varchar = true)
    qualify revision = max(revision) over (partition by period);

create or replace table aliases as
    select alias, park_code from read_csv(getvariable('seeds') || '/park_aliases.csv', all_varchar = true);
create or replace table parks as
    select park_code, park_name from read_csv(getvariable('seeds') || '/parks.csv', all_varchar = true);
create or replace table divisions as
    select division_code, section_code, division_name, section_name, is_industrial = 'true' as is_industrial
    from read_csv(getvariable('seeds') || '/industry_divisions.csv', all_varchar = true);
create or replace table thresholds as
    select dimension, tier, cast(min_value as decimal(20, 2)) as min_value
    from read_csv(getvariable('seeds') || '/tier_thresholds.csv', all_varchar = true);

-- ------------------------------------------------------------------ the four monthly extracts

create or replace table registration as
    select
        "统一社会信用代码" as uscc,
        period,
        "企业名称" as enterprise_name,
        aliases.park_code,
        "行业代码" as industry_code,
        left("行业代码", 2) as industry_division_code,
        divisions.section_code as industry_section_code,
        divisions.is_industrial,
        "登记状态" as status,
        cast("成立日期" as date) as established_on,
        cast("注册资本（万元）" as decimal(20, 6)) as registered_capital_10k,
        "高新技术企业" = '是' as is_high_tech,
        "科技型中小企业" = '是' as is_tech_sme,
        "科技型领军企业" = '是' as is_tech_leader,
        "上市板块" as listing_board
    from landing_files('registration') as r
    left join aliases on aliases.alias = r."所属园区"
    left join divisions on divisions.division_code = left(r."行业代码", 2);

create or replace table tax as
    select "统一社会信用代码" as uscc, period,
           cast("增值税（元）" as decimal(18, 2)) as vat_yuan,
           cast("企业所得税（元）" as decimal(18, 2)) as corporate_income_tax_yuan,
           cast("其他税费（元）" as decimal(18, 2)) as other_taxes_yuan,
           cast("税收合计（元）" as decimal(18, 2)) as total_tax_yuan
    from landing_files('tax');

create or replace table employment as
    select "统一社会信用代码" as uscc, period, cast("参保人数" as integer) as insured_headcount
    from landing_files('employment');

create or replace table output as
    select "统一社会信用代码" as uscc, period,
           cast("工业总产值_本月（万元）" as decimal(20, 6)) as gross_output_month_10k,
           cast("工业总产值_本年累计（万元）" as decimal(20, 6)) as gross_output_ytd_10k,
           cast("工业增加值_本月（万元）" as decimal(20, 6)) as value_added_month_10k,
           cast("营业收入_本月（万元）" as decimal(20, 6)) as revenue_month_10k,
           cast("营业收入_本年累计（万元）" as decimal(20, 6)) as revenue_ytd_10k
    from landing_files('output');

-- ------------------------------------------------------------------ marts

create or replace table fct_enterprise_month as
    select
        uscc, period, year(period) as year, month(period) as month,
        r.uscc is not null as is_registered,
        t.uscc is not null as has_tax,
        e.uscc is not null as has_employment,
        o.uscc is not null as has_output,
        r.enterprise_name, r.park_code, r.industry_code, r.industry_division_code, r.is_industrial,
        r.status,
        t.vat_yuan, t.corporate_income_tax_yuan, t.other_taxes_yuan, t.total_tax_yuan,
        e.insured_headcount,
        o.gross_output_month_10k, o.gross_output_ytd_10k, o.value_added_month_10k,
        o.revenue_month_10k, o.revenue_ytd_10k
    from registration as r
    full join tax as t using (uscc, period)
    full join employment as e using (uscc, period)
    full join output as o using (uscc, period);

-- An island is a run of consecutive months with identical register attributes; a change or a
-- month missing from the register starts a new version.
create or replace table dim_enterprise as
with flagged as (
    select
        *,
        case
            when lag(month_index) over by_time is distinct from month_index - 1 then 1
            when lag(attributes) over by_time is distinct from attributes then 1
            else 0
        end as starts_version
    from (
        select
            *,
            year(period) * 12 + month(period) as month_index,
            {'enterprise_name': enterprise_name, 'park_code': park_code,
             'industry_code': industry_code, 'status': status, 'established_on': established_on,
             'registered_capital_10k': registered_capital_10k, 'is_high_tech': is_high_tech,
             'is_tech_sme': is_tech_sme, 'is_tech_leader': is_tech_leader,
             'listing_board': listing_board} as attributes
        from registration
    )
    window by_time as (partition by uscc order by period)
),
numbered as (
    select *, sum(starts_version) over (partition by uscc order by period) as version_number
    from flagged
),
versions as (
    select
        uscc,
        cast(version_number as integer) as version_number,
        min(period) as valid_from,
        max(period) as valid_to,
        cast(count(*) as integer) as months_in_version,
        any_value(attributes) as a,
        any_value(industry_division_code) as industry_division_code,
        any_value(industry_section_code) as industry_section_code,
        any_value(is_industrial) as is_industrial
    from numbered
    group by uscc, version_number
)
select
    uscc || '#' || strftime(valid_from, '%Y%m') as enterprise_version_key,
    uscc, version_number, valid_from, valid_to, months_in_version,
    valid_to = max(valid_to) over () as is_current,
    version_number = max(version_number) over (partition by uscc) as is_last_version,
    a.enterprise_name, a.park_code, parks.park_name, a.industry_code,
    versions.industry_division_code, divisions.division_name as industry_division_name,
    versions.industry_section_code, divisions.section_name as industry_section_name,
    versions.is_industrial, a.status, a.status in ('迁出', '注销', '吊销') as is_leaving,
    a.established_on, a.registered_capital_10k, a.is_high_tech, a.is_tech_sme, a.is_tech_leader,
    a.listing_board, a.listing_board is not null as is_listed
from versions
left join parks on parks.park_code = versions.a.park_code
left join divisions on divisions.division_code = versions.industry_division_code;

create or replace table fct_enterprise_year as
with years as (
    select
        year,
        max(period) as as_of_period,
        coalesce(max(month) filter (where is_registered) = 12, false)
            and coalesce(max(month) filter (where has_tax) = 12, false)
            and coalesce(max(month) filter (where has_employment) = 12, false)
            and coalesce(max(month) filter (where has_output) = 12, false) as is_final
    from fct_enterprise_month
    group by year
),
aggregated as (
    select
        uscc,
        year,
        max(period) filter (where is_registered) as last_registered_period,
        arg_max({'enterprise_name': enterprise_name, 'park_code': park_code,
                 'industry_code': industry_code, 'is_industrial': is_industrial, 'status': status},
                period) filter (where is_registered) as r,
        cast(count(*) filter (where is_registered) as integer) as months_reported,
        cast(count(*) filter (where has_tax) as integer) as months_with_tax,
        cast(count(*) filter (where has_employment) as integer) as months_with_employment,
        cast(count(*) filter (where has_output) as integer) as months_with_output,
        coalesce(max(gross_output_ytd_10k) filter (where month = 12), sum(gross_output_month_10k))
            as annual_gross_output_10k,
        coalesce(max(revenue_ytd_10k) filter (where month = 12), sum(revenue_month_10k))
            as annual_revenue_10k,
        sum(value_added_month_10k) as annual_value_added_10k,
        sum(total_tax_yuan) as annual_tax_yuan,
        sum(insured_headcount) as headcount_sum,
        count(insured_headcount) as headcount_months
    from fct_enterprise_month
    group by uscc, year
),
measures as (
    select
        *,
        case
            when r.is_industrial then annual_gross_output_10k
            when not r.is_industrial then annual_revenue_10k
            else coalesce(annual_gross_output_10k, annual_revenue_10k)
        end as tier_output_basis_10k
    from aggregated
)
select
    m.uscc, m.year, m.r.enterprise_name, m.r.park_code, m.r.industry_code, m.r.is_industrial,
    m.r.status, m.last_registered_period, m.months_reported, m.months_with_tax,
    m.months_with_employment, m.months_with_output, years.as_of_period, years.is_final,
    case when m.r.is_industrial = false then null else m.annual_gross_output_10k end as annual_output_10k,
    m.annual_revenue_10k, m.annual_value_added_10k, m.annual_tax_yuan,
    -- the exact mean rounded once at 6 decimals (integer arithmetic: DuckDB divides decimals as
    -- doubles); q = the mean in millionths, rounded half up
    (select cast(q // 1000000 as decimal(12, 0)) + cast(q % 1000000 as decimal(7, 0)) * 0.000001
     from (select (cast(m.headcount_sum as hugeint) * 2000000 + m.headcount_months)
                  // (2 * nullif(m.headcount_months, 0)) as q)) as avg_headcount,
    m.headcount_sum, m.headcount_months, m.tier_output_basis_10k,
    coalesce(m.r.is_industrial and m.annual_revenue_10k >= (select min_value from thresholds where dimension = 'above_scale'),
             false) as is_above_scale,
    (select max_by(tier, min_value) from thresholds
     where dimension = 'output' and m.tier_output_basis_10k >= min_value) as output_tier,
    (select max_by(tier, min_value) from thresholds
     where dimension = 'tax' and m.annual_tax_yuan >= min_value) as tax_tier,
    (select max_by(tier, min_value) from thresholds
     where dimension = 'staff' and m.headcount_sum >= min_value * m.headcount_months) as staff_tier
from measures as m
join years using (year);

-- Each enterprise's year so far at each month: running sums over its months, each row standing
-- for the months until its next row (a month without a row keeps the sums and has no
-- year-to-date figure); counted at or above each tier of its dimension.
create or replace table park_tier_months as
with running as (
    select
        uscc, year, month, gross_output_ytd_10k, revenue_ytd_10k,
        sum(gross_output_month_10k) over so_far as output_sum,
        sum(revenue_month_10k) over so_far as revenue_sum,
        sum(total_tax_yuan) over so_far as tax,
        sum(insured_headcount) over so_far as headcount_sum,
        count(insured_headcount) over so_far as headcount_months,
        last_value(case when is_registered then park_code end ignore nulls) over so_far as park_code,
        last_value(case when is_registered then is_industrial end ignore nulls) over so_far as is_industrial,
        lead(month) over (partition by uscc, year order by month) as next_month
    from fct_enterprise_month
    window so_far as (partition by uscc, year order by month rows between unbounded preceding and current row)
),
as_of_months as (
    select distinct year, month as as_of_month from fct_enterprise_month
),
so_far as (
    select
        running.*,
        as_of_months.as_of_month,
        case when as_of_months.as_of_month = running.month then gross_output_ytd_10k end as output_ytd,
        case when as_of_months.as_of_month = running.month then revenue_ytd_10k end as revenue_ytd
    from (select *, unnest(range(month, coalesce(next_month, 13))) as as_of_month from running) as running
    join as_of_months using (year, as_of_month)
    where park_code is not null
),
measures as (
    select park_code, year, as_of_month, 'output' as dimension,
           case
               when is_industrial then coalesce(output_ytd, output_sum)
               when not is_industrial then coalesce(revenue_ytd, revenue_sum)
               else coalesce(output_ytd, output_sum, revenue_ytd, revenue_sum)
           end as value,
           1 as weight
    from so_far
    union all
    select park_code, year, as_of_month, 'tax', tax, 1 from so_far
    union all
    select park_code, year, as_of_month, 'staff', headcount_sum, headcount_months
    from so_far where headcount_months > 0
),
counted as (
    select park_code, year, as_of_month, t.dimension, t.tier, count(*) as enterprises
    from measures
    join thresholds as t
        on t.dimension = measures.dimension and t.tier is not null
       and measures.value >= t.min_value * measures.weight
    group by all
)
select parks.park_code, m.year, m.as_of_month as month, t.dimension, t.tier,
       coalesce(counted.enterprises, 0) as enterprises
from parks
cross join as_of_months as m
cross join (select dimension, tier from thresholds where tier is not null) as t
left join counted
    on counted.park_code = parks.park_code and counted.year = m.year
   and counted.as_of_month = m.as_of_month and counted.dimension = t.dimension
   and counted.tier = t.tier;

create or replace table park_year_summary as
select
    park_code, year,
    count(*) as enterprise_count,
    count(*) filter (where is_above_scale) as above_scale_count,
    count(*) filter (where output_tier = 'T1') as output_t1_count,
    count(*) filter (where output_tier = 'T2') as output_t2_count,
    count(*) filter (where output_tier = 'T3') as output_t3_count,
    count(*) filter (where tax_tier = 'T1') as tax_t1_count,
    count(*) filter (where tax_tier = 'T2') as tax_t2_count,
    count(*) filter (where tax_tier = 'T3') as tax_t3_count,
    count(*) filter (where staff_tier = 'T1') as staff_t1_count,
    count(*) filter (where staff_tier = 'T2') as staff_t2_count,
    count(*) filter (where staff_tier = 'T3') as staff_t3_count,
    -- 0 where nothing was reported
    coalesce(sum(annual_output_10k), 0) as total_output_10k,
    coalesce(sum(annual_revenue_10k), 0) as total_revenue_10k,
    coalesce(sum(annual_value_added_10k), 0) as total_value_added_10k,
    coalesce(sum(annual_tax_yuan), 0) as total_tax_yuan,
    -- the exact sum of the means: in 27720ths (the lcm of 1..12 months) each mean is an integer
    coalesce((select cast(q // 1000000 as decimal(32, 0)) + cast(q % 1000000 as decimal(7, 0)) * 0.000001
              from (select (sum(cast(headcount_sum as hugeint) * 27720 // nullif(headcount_months, 0))
                            * 1000000 + 13860) // 27720 as q)), 0) as total_avg_headcount
from fct_enterprise_year
where park_code is not null
group by park_code, year;
