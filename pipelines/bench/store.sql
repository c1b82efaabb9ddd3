-- The storing script of the benchmark: what a user who keeps the microdata would write first.
-- The minimal script's reading (the same files, types detected, the codes kept as text), but
-- every column of every row stored in a table per extract, as the product's raw tables keep
-- them. Nothing validated, nothing computed: what storing 36 months costs DuckDB by itself, the
-- floor under any product that keeps the rows it counts (docs/performance.md).
--
-- The reporting month (所属期) is text too: files spell it several ways (201801, 2018-02,
-- 2019年1月), and the types are detected on the first file (a number for 201801).
--
-- Run by the DuckDB command line with the variable landing (folder) set, after counted.sql.
-- Leaves a table per monthly extract, its rows and their file (filename).

-- A monthly extract's rows, every column of its files that count; types detected but for
-- `text_columns`.
create macro stored(kind, text_columns := {'统一社会信用代码': 'varchar', '所属期': 'varchar'}) as table
    select * from read_csv(getvariable(kind), filename = true, types = text_columns);

-- The register has no reporting month column; its industry code is a code, kept as text.
create table registration as
from stored('registration', text_columns := {'统一社会信用代码': 'varchar', '行业代码': 'varchar'});
create table tax as from stored('tax');
create table employment as from stored('employment');
create table output as from stored('output');
checkpoint;
