-- The minimal DuckDB script of the benchmark: what a user would write instead of the product to
-- get the plan's tier counts per park and year from the four monthly extracts. Nothing else: no
-- validation, no lineage, no monthly facts, no versions. It trusts clean UTF-8 files.
--
-- Run by the DuckDB command line with two variables set, landing (folder) and seeds (folder),
-- after counted.sql (the files that count).
-- Leaves one table, counts (park_code, year, dimension, tier, enterprises): how many
-- enterprises of a park reach each tier of tier_thresholds in the year, counted in their
-- highest tier only, and (dimension 'enterprises') how many the park has that year.

-- An extract's rows with the year and month of their file; types detected, the codes kept as text.
create macro rows_of(kind, text_columns := {'统一社会信用代码': 'varchar'}) as table
    select *,
           cast(regexp_extract(filename, '_(\d{4})\d{2}(_v\d+)?\.csv$', 1) as integer) as year,
           cast(regexp_extract(filename, '_\d{4}(\d{2})(_v\d+)?\.csv$', 1) as integer) as month
    from read_csv(getvariable(kind), filename = true, types = text_columns);

-- Each enterprise's year: its park and industry those of its last registered month; output and
-- revenue December's year-to-date where December has one, else the sum of the months; tax the
-- sum; headcount summed over the months reported (the mean is compared as sum >= bound x months).
-- Amounts are doubles: rounded to the files' precision, so that a value on a bound reaches it.
create table years as
with registered as (
    select "统一社会信用代码" as uscc, year, a.park_code, d.is_industrial
    from rows_of('registration', text_columns := {'统一社会信用代码': 'varchar', '行业代码': 'varchar'}) as r
    left join read_csv(getvariable('seeds') || '/park_aliases.csv') as a on a.alias = r."所属园区"
    left join read_csv(getvariable('seeds') || '/industry_divisions.csv',
                       types = {'division_code': 'varchar'}) as d
        on d.division_code = left(r."行业代码", 2)
    qualify month = max(month) over (partition by uscc, year)
),
tax as (
    select "统一社会信用代码" as uscc, year, round(sum("税收合计（元）"), 2) as tax
    from rows_of('tax') group by all
),
employment as (
    select "统一社会信用代码" as uscc, year,
           sum("参保人数") as headcount_sum, count("参保人数") as headcount_months
    from rows_of('employment') group by all
),
output as (
    select "统一社会信用代码" as uscc, year,
           round(coalesce(max("工业总产值_本年累计（万元）") filter (where month = 12),
                          sum("工业总产值_本月（万元）")), 6) as gross_output,
           round(coalesce(max("营业收入_本年累计（万元）") filter (where month = 12),
                          sum("营业收入_本月（万元）")), 6) as revenue
    from rows_of('output') group by all
)
select *,
       -- the output tier's basis: gross output for an industrial enterprise, revenue otherwise
       case when is_industrial then gross_output
            when not is_industrial then revenue
            else coalesce(gross_output, revenue) end as output_basis
from registered
left join tax using (uscc, year)
left join employment using (uscc, year)
left join output using (uscc, year)
where park_code is not null;

-- Each enterprise's tier per dimension: the highest threshold its year reaches.
create table tiers as
select y.park_code, y.year, t.dimension, arg_max(t.tier, t.min_value) as tier
from years as y
join read_csv(getvariable('seeds') || '/tier_thresholds.csv') as t
    on case t.dimension
        when 'output' then y.output_basis >= t.min_value
        when 'tax' then y.tax >= t.min_value
        when 'staff' then y.headcount_sum >= t.min_value * y.headcount_months
        when 'above_scale' then y.is_industrial and y.revenue >= t.min_value
    end
group by y.uscc, y.year, y.park_code, t.dimension;

create table counts as
select park_code, year, dimension, tier, count(*) as enterprises from tiers group by all
union all
select park_code, year, 'enterprises', null, count(*) from years group by all;
