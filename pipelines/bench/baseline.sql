-- The bare-DuckDB baseline of the benchmark: the pipeline's marts of the plan's figures computed
-- straight from the landing folder's CSV files with hand-written SQL, no validation, no lineage,
-- no dbt, no Dagster. It is what the pipeline's work costs at the least, and an independent
-- second computation of the counts the analysts read (pipelines/bench/run.py compares them).
--
-- Independent of the models: the same rules, by another route. No window function anywhere: a
-- month is compared with the one before by a self-join on the period, a year so far is the rows
-- of the months up to it (a join and a group-by, not a running sum), the park of a year is the
-- register row of its last registered month (a join to that month, not arg_max), a tier is the
-- highest threshold a value reaches (a join to the thresholds). A bug in the models' shared
-- algorithms (gaps and islands, running windows) therefore shows up as a difference.
--
-- The marts, by the same rules as the dbt models (dbt_project/models/marts/):
--   fct_enterprise_month   the four extracts joined per enterprise and month
--   dim_enterprise         the versions of each enterprise's register attributes: a version is a
--                          run of consecutive registered months with the same attributes
--   fct_enterprise_year    the park and industry of the last registered month of the year; annual
--                          output and revenue = December's year-to-date, else the sum of the months;
--                          tax = sum; staff = mean headcount of the months reported; tiers at or
--                          above the tier_thresholds seed
--   park_tier_months       each month's tier counts on each enterprise's year so far
--   park_year_summary      the counts and totals per park and year
-- Left out: the data-quality marts (dq_*: validation, which the baseline does not do) and the
-- small marts of the plan's reference data (dim_park, target_*, milestones), which only makes
-- the baseline cheaper.
-- It trusts its input: clean UTF-8 CSV (the generator with --mess 0), one row per enterprise and
-- month, the highest revision of each month counts. Every column is read as text, then typed.
--
-- Run by the DuckDB command line with two variables set: landing (folder) and seeds (folder).

-- ------------------------------------------------------------------ the files that count

-- Every landing file of a kind with its month and revision (from its name).
create or replace macro landing_names(kind) as table
    select
        file,
        cast(strptime(regexp_extract(file, '_(\d{6})(_v\d+)?\.csv$', 1), '%Y%m') as date) as period,
        coalesce(cast(nullif(regexp_extract(file, '_v(\d+)\.csv$', 1), '') as integer), 1) as revision
    from glob(getvariable('landing') || '/' || kind || '_*.csv');

-- The highest revision of each month, as a list of files for the reader.
create or replace macro counted_files(kind) as (
    select list(file order by file)
    from landing_names(kind) as f
    join (select period, max(revision) as revision from landing_names(kind) group by period)
        using (period, revision)
);

set variable registration_files = counted_files('registration');
set variable tax_files = counted_files('tax');
set variable employment_files = counted_files('employment');
set variable output_files = counted_files('output');

create or replace macro landing_files(kind) as table
    select
        *,
        cast(strptime(regexp_extract(filename, '_(\d{6})(_v\d+)?\.csv$', 1), '%Y%m') as date) as period
    from read_csv(getvariable(kind || '_files'), filename = true, header = true, all_varchar = true);

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

-- The register attributes whose change starts a new version of an enterprise.
create or replace macro same_attributes(a, b) as
    a.enterprise_name is not distinct from b.enterprise_name
    and a.park_code is not distinct from b.park_code
    and a.industry_code is not distinct from b.industry_code
    and a.status is not distinct from b.status
    and a.established_on is not distinct from b.established_on
    and a.registered_capital_10k is not distinct from b.registered_capital_10k
    and a.is_high_tech is not distinct from b.is_high_tech
    and a.is_tech_sme is not distinct from b.is_tech_sme
    and a.is_tech_leader is not distinct from b.is_tech_leader
    and a.listing_board is not distinct from b.listing_board;

-- A registered month starts a version when the month before it is not registered or differs; it
-- ends one when the month after it is not registered or differs.
create or replace table version_starts as
    select cur.*
    from registration as cur
    left join registration as prev
        on prev.uscc = cur.uscc and prev.period = cur.period - interval 1 month
    where prev.uscc is null or not same_attributes(prev, cur);

create or replace table version_ends as
    select cur.uscc, cur.period
    from registration as cur
    left join registration as next
        on next.uscc = cur.uscc and next.period = cur.period + interval 1 month
    where next.uscc is null or not same_attributes(next, cur);

-- A version runs from its start to the first end at or after it; its attributes are its first
-- month's; it is numbered by the starts of the enterprise up to it.
create or replace table dim_enterprise as
with versions as (
    select s.uscc, s.period as valid_from, min(e.period) as valid_to
    from version_starts as s
    join version_ends as e on e.uscc = s.uscc and e.period >= s.period
    group by s.uscc, s.period
),
numbered as (
    select v.uscc, v.valid_from, cast(count(*) as integer) as version_number
    from versions as v
    join version_starts as earlier on earlier.uscc = v.uscc and earlier.period <= v.valid_from
    group by v.uscc, v.valid_from
),
last_start as (
    select uscc, max(period) as valid_from from version_starts group by uscc
)
select
    v.uscc || '#' || strftime(v.valid_from, '%Y%m') as enterprise_version_key,
    v.uscc, n.version_number, v.valid_from, v.valid_to,
    cast(date_diff('month', v.valid_from, v.valid_to) + 1 as integer) as months_in_version,
    v.valid_to = (select max(period) from registration) as is_current,
    last_start.uscc is not null as is_last_version,
    s.enterprise_name, s.park_code, parks.park_name, s.industry_code,
    s.industry_division_code, divisions.division_name as industry_division_name,
    s.industry_section_code, divisions.section_name as industry_section_name,
    s.is_industrial, s.status, s.status in ('迁出', '注销', '吊销') as is_leaving,
    s.established_on, s.registered_capital_10k, s.is_high_tech, s.is_tech_sme, s.is_tech_leader,
    s.listing_board, s.listing_board is not null as is_listed
from versions as v
join numbered as n using (uscc, valid_from)
join version_starts as s on s.uscc = v.uscc and s.period = v.valid_from
left join last_start using (uscc, valid_from)
left join parks on parks.park_code = s.park_code
left join divisions on divisions.division_code = s.industry_division_code;

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
sums as (
    select
        uscc,
        year,
        max(period) filter (where is_registered) as last_registered_period,
        cast(count(*) filter (where is_registered) as integer) as months_reported,
        cast(count(*) filter (where has_tax) as integer) as months_with_tax,
        cast(count(*) filter (where has_employment) as integer) as months_with_employment,
        cast(count(*) filter (where has_output) as integer) as months_with_output,
        sum(gross_output_month_10k) as gross_output_sum,
        sum(revenue_month_10k) as revenue_sum,
        sum(value_added_month_10k) as annual_value_added_10k,
        sum(total_tax_yuan) as annual_tax_yuan,
        sum(insured_headcount) as headcount_sum,
        count(insured_headcount) as headcount_months
    from fct_enterprise_month
    group by uscc, year
),
measures as (
    select
        sums.*,
        r.enterprise_name, r.park_code, r.industry_code, r.is_industrial, r.status,
        -- December's year-to-date where December was reported, else the sum of the months
        case when december.uscc is not null then december.gross_output_ytd_10k
             else gross_output_sum end as gross_output,
        case when december.uscc is not null then december.revenue_ytd_10k
             else revenue_sum end as annual_revenue_10k
    from sums
    left join registration as r on r.uscc = sums.uscc and r.period = sums.last_registered_period
    left join output as december
        on december.uscc = sums.uscc and december.period = make_date(sums.year, 12, 1)
),
basis as (
    select
        *,
        case
            when is_industrial then gross_output
            when not is_industrial then annual_revenue_10k
            else coalesce(gross_output, annual_revenue_10k)
        end as tier_output_basis_10k
    from measures
),
-- each tier: the highest threshold of its dimension the year's value reaches (staff: the mean,
-- compared as sum >= bound x months)
year_values as (
    select uscc, year, 'output' as dimension, tier_output_basis_10k as value, 1 as weight from basis
    union all
    select uscc, year, 'tax', annual_tax_yuan, 1 from basis
    union all
    select uscc, year, 'staff', headcount_sum, headcount_months from basis
),
reached as (
    select v.uscc, v.year, v.dimension, max(t.min_value) as min_value
    from year_values as v
    join thresholds as t
        on t.dimension = v.dimension and t.tier is not null and v.value >= t.min_value * v.weight
    group by v.uscc, v.year, v.dimension
),
tiers as (
    select
        uscc, year,
        any_value(t.tier) filter (where dimension = 'output') as output_tier,
        any_value(t.tier) filter (where dimension = 'tax') as tax_tier,
        any_value(t.tier) filter (where dimension = 'staff') as staff_tier
    from reached
    join thresholds as t using (dimension, min_value)
    group by uscc, year
)
select
    b.uscc, b.year, b.enterprise_name, b.park_code, b.industry_code, b.is_industrial,
    b.status, b.last_registered_period, b.months_reported, b.months_with_tax,
    b.months_with_employment, b.months_with_output, years.as_of_period, years.is_final,
    case when b.is_industrial = false then null else b.gross_output end as annual_output_10k,
    b.annual_revenue_10k, b.annual_value_added_10k, b.annual_tax_yuan,
    -- the exact mean rounded once at 6 decimals (integer arithmetic: DuckDB divides decimals as
    -- doubles); q = the mean in millionths, rounded half up
    (select cast(q // 1000000 as decimal(12, 0)) + cast(q % 1000000 as decimal(7, 0)) * 0.000001
     from (select (cast(b.headcount_sum as hugeint) * 2000000 + b.headcount_months)
                  // (2 * nullif(b.headcount_months, 0)) as q)) as avg_headcount,
    b.headcount_sum, b.headcount_months, b.tier_output_basis_10k,
    coalesce(b.is_industrial and b.annual_revenue_10k >= (select min_value from thresholds where dimension = 'above_scale'),
             false) as is_above_scale,
    tiers.output_tier, tiers.tax_tier, tiers.staff_tier
from basis as b
join years using (year)
left join tiers using (uscc, year);

-- Each enterprise's year so far at each month of the data: its rows of that year up to that
-- month, summed; its park and industry those of its last registered month so far; its
-- year-to-date figures those of its row of that very month (none without one). Counted at or
-- above each tier of its dimension.
create or replace table as_of_months as
    select distinct year, month as as_of_month, period as as_of_period from fct_enterprise_month;

create or replace table year_so_far as
    select
        f.uscc, f.year, a.as_of_month, a.as_of_period,
        max(f.period) filter (where f.is_registered) as last_registered_period,
        sum(f.gross_output_month_10k) as output_sum,
        sum(f.revenue_month_10k) as revenue_sum,
        sum(f.total_tax_yuan) as tax,
        sum(f.insured_headcount) as headcount_sum,
        count(f.insured_headcount) as headcount_months
    from fct_enterprise_month as f
    join as_of_months as a on a.year = f.year and f.month <= a.as_of_month
    group by f.uscc, f.year, a.as_of_month, a.as_of_period;

create or replace table park_tier_months as
with so_far as (
    select
        y.*, r.park_code, r.is_industrial,
        o.gross_output_ytd_10k as output_ytd, o.revenue_ytd_10k as revenue_ytd
    from year_so_far as y
    join registration as r on r.uscc = y.uscc and r.period = y.last_registered_period
    left join output as o on o.uscc = y.uscc and o.period = y.as_of_period
    where r.park_code is not null
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
