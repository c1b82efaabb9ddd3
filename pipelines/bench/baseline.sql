-- The bare-DuckDB baseline of the benchmark: marts.park_year_summary computed straight from the
-- landing folder's CSV files with hand-written SQL, no validation, no lineage, no dbt, no Dagster.
-- It is what the pipeline's work costs at the least, and an independent second computation of
-- the counts the analysts read (pipelines/bench/run.py compares the two).
--
-- Same rules as the dbt models (dbt_project/models/marts/fct_enterprise_year.sql): the park and
-- industry of the last registered month of the year; annual output and revenue = December's
-- year-to-date, else the sum of the months; tax = sum; staff = mean headcount of the months
-- reported; tiers at or above the tier_thresholds seed. It trusts its input: clean UTF-8 CSV
-- (the generator with --mess 0), one row per enterprise and month, the highest revision wins.
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
create or replace table divisions as
    select division_code, is_industrial = 'true' as is_industrial
    from read_csv(getvariable('seeds') || '/industry_divisions.csv', all_varchar = true);
create or replace table thresholds as
    select dimension, tier, cast(min_value as decimal(20, 2)) as min_value
    from read_csv(getvariable('seeds') || '/tier_thresholds.csv', all_varchar = true);

create or replace table registration as
    select "统一社会信用代码" as uscc, period, aliases.park_code,
           divisions.is_industrial
    from landing_files('registration') as r
    left join aliases on aliases.alias = r."所属园区"
    left join divisions on divisions.division_code = left(r."行业代码", 2);

create or replace table tax as
    select "统一社会信用代码" as uscc, period,
           cast("税收合计（元）" as decimal(18, 2)) as total_tax_yuan
    from landing_files('tax');

create or replace table employment as
    select "统一社会信用代码" as uscc, period, cast("参保人数" as integer) as headcount
    from landing_files('employment');

create or replace table output as
    select "统一社会信用代码" as uscc, period,
           cast("工业总产值_本月（万元）" as decimal(20, 6)) as gross_month,
           cast("工业总产值_本年累计（万元）" as decimal(20, 6)) as gross_ytd,
           cast("营业收入_本月（万元）" as decimal(20, 6)) as revenue_month,
           cast("营业收入_本年累计（万元）" as decimal(20, 6)) as revenue_ytd
    from landing_files('output');

create or replace table enterprise_year as
with last_registration as (
    select uscc, year(period) as year, park_code, is_industrial
    from registration
    qualify row_number() over (partition by uscc, year(period) order by period desc) = 1
),
output_year as (
    select uscc, year(period) as year,
           coalesce(max(gross_ytd) filter (where month(period) = 12), sum(gross_month)) as gross,
           coalesce(max(revenue_ytd) filter (where month(period) = 12), sum(revenue_month)) as revenue
    from output group by all
),
tax_year as (
    select uscc, year(period) as year, sum(total_tax_yuan) as tax from tax group by all
),
staff_year as (
    select uscc, year(period) as year, sum(headcount) as headcount_sum,
           count(headcount) as headcount_months
    from employment group by all
),
enterprise_years as (
    select uscc, year(period) as year from registration
    union select uscc, year(period) from tax
    union select uscc, year(period) from employment
    union select uscc, year(period) from output
)
select
    e.uscc, e.year, r.park_code, r.is_industrial, o.revenue, t.tax,
    s.headcount_sum, s.headcount_months,
    case
        when r.is_industrial then o.gross
        when not r.is_industrial then o.revenue
        else coalesce(o.gross, o.revenue)
    end as output_basis
from enterprise_years e
left join last_registration r using (uscc, year)
left join output_year o using (uscc, year)
left join tax_year t using (uscc, year)
left join staff_year s using (uscc, year);

create or replace table park_year_summary as
with tiered as (
    select
        park_code, year,
        coalesce(is_industrial and revenue >= (select min_value from thresholds where dimension = 'above_scale'),
                 false) as is_above_scale,
        (select max_by(tier, min_value) from thresholds
         where dimension = 'output' and output_basis >= min_value) as output_tier,
        (select max_by(tier, min_value) from thresholds
         where dimension = 'tax' and tax >= min_value) as tax_tier,
        (select max_by(tier, min_value) from thresholds
         where dimension = 'staff' and headcount_sum >= min_value * headcount_months) as staff_tier
    from enterprise_year
    where park_code is not null
)
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
    count(*) filter (where staff_tier = 'T3') as staff_t3_count
from tiered
group by park_code, year;
